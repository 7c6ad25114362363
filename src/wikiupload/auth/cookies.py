"""Which cookie carries the session: ``<prefix>_session`` or, for bot passwords, ``_BPsession``.

A bot-password login starts a session of its own in the ``_BPsession`` cookie and leaves the
ordinary session cookie alone; when a request carries both, the bot-password session wins.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate

from sqlalchemy.orm import Session as DbSession

from wikiupload.auth import sessions
from wikiupload.auth.sessions import SessionState

# (name, value, lifetime in seconds or None for a browser-session cookie); "" deletes.
CookieChange = tuple[str, str, int | None]


@dataclass(frozen=True)
class SessionCookies:
    prefix: str

    @property
    def normal(self) -> str:
        return f"{self.prefix}_session"

    @property
    def bot(self) -> str:
        return f"{self.prefix}_BPsession"

    def named(self, cookies: Mapping[str, str]) -> tuple[str, ...]:
        """The session ids the cookies carry, bot-password session first ("" if none);
        either may be the request's, until ``load`` has looked them up."""
        return tuple(cookies.get(name, "") for name in (self.bot, self.normal))

    def name_for(self, state: SessionState) -> str:
        return self.bot if state.bot_app_id is not None else self.normal

    def load(self, db: DbSession, cookies: Mapping[str, str]) -> SessionState:
        """The session the request's cookies name (a fresh one when none is valid)."""
        bot_id = cookies.get(self.bot)
        if bot_id:
            state = sessions.load(db, bot_id)
            if state.bot_app_id is not None:
                return state
        return sessions.load(db, cookies.get(self.normal))

    def changes(self, before_id: str | None, before_name: str,
                state: SessionState) -> list[CookieChange]:
        """Set-Cookie changes after a request that started with session ``before_id``."""
        if state.id == before_id:
            return []
        if state.id is None:
            return [(before_name, "", None)] if before_id is not None else []
        name = self.name_for(state)
        changes: list[CookieChange] = [(name, state.id, None)]
        if before_id is not None and before_name == self.bot and name != self.bot:
            changes.append((self.bot, "", None))
        return changes


_EPOCH = "Thu, 01 Jan 1970 00:00:01 GMT"


def set_cookie_header(name: str, value: str, lifetime: int | None, *, secure: bool) -> str:
    """A Set-Cookie value as PHP writes it: path=/, HttpOnly, no SameSite; "" deletes.

    ``lifetime`` None makes a browser-session cookie (no expiry).
    """
    if not value:
        parts = [f"{name}=deleted", f"expires={_EPOCH}", "Max-Age=0"]
    elif lifetime:
        expires = formatdate(time.time() + lifetime, usegmt=True)
        parts = [f"{name}={value}", f"expires={expires}", f"Max-Age={lifetime}"]
    else:
        parts = [f"{name}={value}"]
    parts.append("path=/")
    if secure:
        parts.append("secure")
    parts.append("HttpOnly")
    return "; ".join(parts)

"""Server-side sessions in the database, so several server processes share them."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.models import Session as SessionRow
from wikiupload.db.rows import execute

_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
REFRESH_AFTER = 60
# Read on every request: built once, columns only (no ORM object to track).
_LOAD = select(SessionRow.id, SessionRow.data, SessionRow.user_id, SessionRow.expires).where(
    SessionRow.id == bindparam("id"))


def new_session_id() -> str:
    """32 lowercase base-32 characters, like MediaWiki's session ids."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(32))


@dataclass
class SessionState:
    """One client's session; created lazily and written back only when something changed."""

    id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    user_id: int = 0
    expires: int = 0
    dirty: bool = False
    removed_id: str | None = None

    @property
    def persisted(self) -> bool:
        return self.id is not None

    def persist(self) -> None:
        if self.id is None:
            self.id = new_session_id()
            self.dirty = True

    def has_secret(self, name: str) -> bool:
        return name in self.data.get("token_secrets", {})

    def secret(self, name: str) -> str:
        secrets_map: dict[str, str] = self.data.setdefault("token_secrets", {})
        if name not in secrets_map:
            secrets_map[name] = secrets.token_hex(16)
            self.dirty = True
        return secrets_map[name]

    @property
    def bot_app_id(self) -> str | None:
        """The bot password's app id when this is a bot-password session."""
        value = self.data.get("bot_app_id")
        return value if isinstance(value, str) and self.user_id else None

    def reset(self, user_id: int, *, keep_previous: bool = False, **data: Any) -> None:
        """New id and fresh token secrets: what logging in or out does.

        ``keep_previous`` leaves the old session stored: a bot-password login starts a session
        of its own next to the cookie session, as MediaWiki's session providers do.
        """
        if self.id is not None and not keep_previous:
            self.removed_id = self.id
        self.id = new_session_id()
        self.user_id = user_id
        self.data = dict(data)
        self.dirty = True

    def clear(self) -> None:
        if self.id is not None:
            self.removed_id = self.id
        self.id = None
        self.user_id = 0
        self.data = {}
        self.dirty = True


def load(db: DbSession, session_id: str | None, now: int | None = None) -> SessionState:
    """The stored session for a cookie value, or a fresh unpersisted one."""
    now = int(time.time()) if now is None else now
    if not session_id:
        return SessionState()
    row = execute(db, _LOAD, {"id": session_id}).first()
    if row is None or row.expires < now:
        return SessionState()
    return SessionState(id=row.id, data=json.loads(row.data), user_id=row.user_id,
                        expires=row.expires)


def save(db: DbSession, state: SessionState, lifetime: int, now: int | None = None) -> bool:
    """Write the session if it changed or is due for an expiry refresh; True if written."""
    now = int(time.time()) if now is None else now
    if state.removed_id is not None:
        db.execute(delete(SessionRow).where(SessionRow.id == state.removed_id))
        state.removed_id = None
    if state.id is None:
        return False
    refresh = state.expires - lifetime + REFRESH_AFTER < now
    if not (state.dirty or refresh):
        return False
    state.expires = now + lifetime
    row = db.get(SessionRow, state.id)
    if row is None:
        db.add(SessionRow(id=state.id, data=json.dumps(state.data), user_id=state.user_id,
                          expires=state.expires))
    else:
        row.data = json.dumps(state.data)
        row.user_id = state.user_id
        row.expires = state.expires
    state.dirty = False
    return True


def purge_expired(db: DbSession, now: int | None = None) -> int:
    now = int(time.time()) if now is None else now
    ids = db.scalars(select(SessionRow.id).where(SessionRow.expires < now)).all()
    if ids:
        db.execute(delete(SessionRow).where(SessionRow.id.in_(ids)))
    return len(ids)

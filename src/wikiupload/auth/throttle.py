"""Login attempt throttling ($wgPasswordAttemptThrottle), kept in the database.

Each condition allows ``count`` attempts per user name and IP address in a fixed window of
``seconds`` that starts with the first attempt (MediaWiki's Throttler keeps a counter whose
expiry is set when it is created). Every attempt in a window is one ``LoginAttempt`` row whose
``at`` is the window's start, so the live window is the set of rows with
``at > now - seconds``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DbSession

from wikiupload.db.models import LoginAttempt
from wikiupload.i18n.messages import Message, Num, render

PASSWORD = "password"          # main-account logins (action=login, action=clientlogin)
BOT_PASSWORD = "botpassword"   # bot-password logins (action=login)


@dataclass(frozen=True)
class Condition:
    count: int
    seconds: int
    all_ips: bool = False


def conditions(config: Iterable[Mapping[str, int]]) -> tuple[Condition, ...]:
    """Conditions from the setting's list of ``{"count": N, "seconds": S}`` tables."""
    return tuple(Condition(int(c.get("count", 0)), int(c.get("seconds", 0)),
                           bool(c.get("allIPs", False))) for c in config)


@dataclass
class Throttler:
    db: DbSession
    kind: str
    rules: tuple[Condition, ...]

    def increase(self, username: str | None, ip: str | None,
                 now: int | None = None) -> int | None:
        """Count one attempt; the wait in seconds if a limit was already reached, else None."""
        now = int(time.time()) if now is None else now
        for index, rule in enumerate(self.rules):
            key = self._key(index, rule, username, ip)
            if key is None:
                continue
            self._expire(key, rule, now)
            attempts = self.db.scalar(select(func.count(LoginAttempt.id))
                                      .where(LoginAttempt.key == key)) or 0
            if attempts >= rule.count:
                return rule.seconds
            start = self.db.scalar(select(func.min(LoginAttempt.at))
                                   .where(LoginAttempt.key == key))
            self.db.add(LoginAttempt(key=key, at=now if start is None else start))
        self.db.flush()
        return None

    def clear(self, username: str | None, ip: str | None) -> None:
        """Forget the attempts of a user name and IP (after a successful login)."""
        for index, rule in enumerate(self.rules):
            key = self._key(index, rule, username, ip)
            if key is not None:
                self.db.execute(delete(LoginAttempt).where(LoginAttempt.key == key))

    def _key(self, index: int, rule: Condition, username: str | None,
             ip: str | None) -> str | None:
        ip_part = None if rule.all_ips else ip
        user_part = hashlib.sha256(username.encode()).hexdigest()[:40] if username else None
        if not rule.count or (ip_part is None and user_part is None):
            return None
        return f"{self.kind}:{index}:{ip_part or ''}:{user_part or ''}"

    def _expire(self, key: str, rule: Condition, now: int) -> None:
        self.db.execute(delete(LoginAttempt).where(LoginAttempt.key == key,
                                                   LoginAttempt.at <= now - rule.seconds))


# Language::formatDuration's default intervals, longest first (a year is 365.2425 days).
_INTERVALS = (
    ("millennia", 31556952000), ("centuries", 3155695200), ("decades", 315569520),
    ("years", 31556952), ("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1),
)


def duration(seconds: int) -> Message | str:
    """A duration as MediaWiki words it: "5 minutes", "2 days", "1 hour and 30 minutes"."""
    parts: list[Message] = []
    for name, length in _INTERVALS:
        value, rest = divmod(seconds, length)
        if value > 0 or (name == "seconds" and not parts):
            parts.append(Message(f"duration-{name}", (Num(value),)))
            seconds = rest
    if len(parts) == 1:
        return parts[0]
    words = [render(part) for part in parts]
    return ", ".join(words[:-1]) + " and " + words[-1]


def throttled_message(wait: int) -> Message:
    return Message("login-throttled", (duration(wait),))

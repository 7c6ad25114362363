"""Checking credentials: bot passwords and main-account passwords, with login throttling.

Outcomes carry MediaWiki's message keys; the API modules turn them into their output.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from wikiupload.auth import throttle
from wikiupload.auth.passwords import verify_password
from wikiupload.auth.users import usable_username
from wikiupload.config import Settings
from wikiupload.db.models import BotPassword, User
from wikiupload.i18n.messages import Message

BOT_SEPARATOR = "@"
BOT_PASSWORD_MIN_LENGTH = 32
_BOT_PASSWORD = re.compile(r"[0-9a-w]{32,}")

# Bot-password failures that end the login; any other one falls through to a main login.
FINAL_BOT_FAILURES = frozenset({"login-throttled", "botpasswords-needs-reset",
                                "botpasswords-locked"})


@dataclass(frozen=True)
class LoginOutcome:
    """A successful login (``user`` set) or a failure with its reason."""

    user: User | None = None
    app_id: str | None = None
    message: Message | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None

    @property
    def final(self) -> bool:
        """For bot passwords: whether the failure stops the login (no main-account try)."""
        return self.ok or (self.message is not None and self.message.key in FINAL_BOT_FAILURES)


def _fail(key: str, *params: object) -> LoginOutcome:
    return LoginOutcome(message=Message(key, params))


def canonical_bot_login(name: str, password: str) -> tuple[str, str] | None:
    """``(User@App, password)`` when the credentials look like a bot password, else None.

    A bot name with ``@`` and a generated password; or a main name with ``app@password``.
    """
    if len(password) >= BOT_PASSWORD_MIN_LENGTH and BOT_SEPARATOR in name:
        return (name, password) if _BOT_PASSWORD.fullmatch(password) else None
    if len(password) > BOT_PASSWORD_MIN_LENGTH and BOT_SEPARATOR in password:
        app_id, _, secret = password.rpartition(BOT_SEPARATOR)
        if _BOT_PASSWORD.fullmatch(secret):
            return f"{name}{BOT_SEPARATOR}{app_id}", secret
    return None


def _find(db: DbSession, canonical: str) -> User | None:
    return db.scalars(select(User).where(User.name == canonical)).first()


def _password_throttler(db: DbSession, settings: Settings, kind: str) -> throttle.Throttler:
    return throttle.Throttler(db, kind, throttle.conditions(settings.password_attempt_throttle))


def bot_password_login(db: DbSession, settings: Settings, combined: str, password: str,
                       ip: str) -> LoginOutcome:
    """Log in with ``User@App`` and the bot password generated for that app."""
    name, _, app_id = combined.partition(BOT_SEPARATOR)
    canonical = usable_username(name)
    user = _find(db, canonical) if canonical else None
    if user is None:
        return _fail("nosuchuser", name)
    if user.locked:
        return _fail("botpasswords-locked")
    throttler = _password_throttler(db, settings, throttle.BOT_PASSWORD)
    wait = throttler.increase(user.name, ip)
    if wait is not None:
        return LoginOutcome(message=throttle.throttled_message(wait))
    bot = db.get(BotPassword, (user.id, app_id))
    if bot is None:
        return _fail("botpasswords-not-exist", user.name, app_id)
    if not _ip_allowed(bot.restrictions, ip):
        return _fail("botpasswords-restriction-failed")
    if not bot.password:
        return _fail("botpasswords-needs-reset", user.name, app_id)
    if not verify_password(password, bot.password):
        return _fail("wrongpassword")
    throttler.clear(user.name, ip)
    return LoginOutcome(user=user, app_id=app_id)


def _ip_allowed(restrictions: str, ip: str) -> bool:
    """A bot password's ``IPAddresses`` restriction (CIDR ranges); none means anywhere."""
    try:
        ranges = json.loads(restrictions or "{}").get("IPAddresses")
        if not ranges:
            return True
        address = ipaddress.ip_address(ip)
        networks = [ipaddress.ip_network(r, strict=False) for r in ranges]
    except (ValueError, AttributeError, TypeError):
        return False
    return any(address.version == net.version and address in net for net in networks)


def password_login(db: DbSession, settings: Settings, name: str, password: str,
                   ip: str) -> LoginOutcome:
    """Main-account login, as AuthManager does it with the local password provider."""
    complete = bool(name) and bool(password)
    canonical = usable_username(name) if name else None
    throttler = _password_throttler(db, settings, throttle.PASSWORD)
    # Incomplete credentials are throttled by IP alone; a name that cannot exist not at all.
    if not complete or canonical is not None:
        wait = throttler.increase(canonical if complete else None, ip)
        if wait is not None:
            return LoginOutcome(message=throttle.throttled_message(wait))
    if not complete or canonical is None:
        return _fail("authmanager-authn-no-primary")
    user = _find(db, canonical)
    if user is None or not user.password or not verify_password(password, user.password):
        return _fail("wrongpassword")
    throttler.clear(canonical, ip)
    return LoginOutcome(user=user)

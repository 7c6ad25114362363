"""Users, groups, rights and bot passwords."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session as DbSession

from wikiupload.auth import grants as grant_table
from wikiupload.auth.passwords import hash_password, verify_password
from wikiupload.config import Settings
from wikiupload.db.models import BotPassword, User, UserGroup
from wikiupload.db.rows import execute

IMPLICIT_USER_GROUPS = ("*", "user", "autoconfirmed")
IMPLICIT_ANON_GROUPS = ("*",)
MAX_NAME_BYTES = 255
_ILLEGAL_NAME_CHARS = set("#<>[]|{}/@:\x00") | {chr(c) for c in range(32)}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (or an anonymous IP) with effective rights."""

    id: int
    name: str
    groups: tuple[str, ...]
    rights: tuple[str, ...]
    bot_app_id: str | None = None
    registration: datetime | None = None
    edit_count: int = 0

    @property
    def is_anon(self) -> bool:
        return self.id == 0

    @property
    def implicit_groups(self) -> tuple[str, ...]:
        return IMPLICIT_ANON_GROUPS if self.is_anon else IMPLICIT_USER_GROUPS

    @property
    def all_groups(self) -> tuple[str, ...]:
        return self.groups + self.implicit_groups

    def can(self, right: str) -> bool:
        return right in self.rights


def normalize_username(name: str) -> str | None:
    """Canonical user name (first letter upper case, underscores as spaces), or None."""
    name = " ".join(name.replace("_", " ").split())
    if not name or len(name.encode()) > MAX_NAME_BYTES:
        return None
    if any(ch in _ILLEGAL_NAME_CHARS for ch in name):
        return None
    return name[0].upper() + name[1:]


_UNUSABLE_NAME_CHARS = set("#<>[]|{}/\x00") | {chr(c) for c in range(32)}


def usable_username(name: str) -> str | None:
    """Canonical form of a name an existing account could have, or None.

    Laxer than ``normalize_username`` (which is for new accounts): ``@`` and ``:`` may
    appear, as in MediaWiki's "usable" names; IP addresses are never user names.
    """
    name = " ".join(name.replace("_", " ").split())
    if not name or len(name.encode()) > MAX_NAME_BYTES or _is_ip(name):
        return None
    if any(ch in _UNUSABLE_NAME_CHARS for ch in name):
        return None
    return name[0].upper() + name[1:]


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def rights_for_groups(settings: Settings, groups: tuple[str, ...]) -> list[str]:
    """Rights in MediaWiki's order: per group in order, each group's rights in config order."""
    table = settings.rights_of_groups()
    rights: dict[str, None] = {}
    for group in groups:
        for right, granted in table.get(group, {}).items():
            if granted:
                rights[right] = None
    for group in groups:
        for right, revoked in settings.revoke_permissions.get(group, {}).items():
            if revoked:
                rights.pop(right, None)
    return list(rights)


def groups_with_right(settings: Settings, right: str) -> list[str]:
    return [group for group, rights in settings.rights_of_groups().items()
            if rights.get(right)]


def anonymous(ip: str, settings: Settings) -> Principal:
    return Principal(0, ip, (), tuple(rights_for_groups(settings, IMPLICIT_ANON_GROUPS)))


def all_groups(settings: Settings) -> list[str]:
    """Every configured group except the implicit ones, in configuration order."""
    names = dict.fromkeys([*settings.rights_of_groups(), *settings.revoke_permissions])
    return [name for name in names if name not in IMPLICIT_USER_GROUPS]


def group_memberships(db: DbSession, user_id: int) -> list[tuple[str, datetime | None]]:
    """The unexpired explicit groups of a user with their expiry (None: never)."""
    now = datetime.now(UTC)
    rows = db.scalars(select(UserGroup).where(UserGroup.user_id == user_id)
                      .order_by(UserGroup.group)).all()
    return [(row.group, _aware(row.expiry) if row.expiry else None) for row in rows
            if row.expiry is None or _aware(row.expiry) > now]


def explicit_groups(db: DbSession, user_id: int) -> tuple[str, ...]:
    return tuple(group for group, _ in group_memberships(db, user_id))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Everything a request needs about its caller, in one statement (run on every request): the
# user, one row per explicit group (or one without a group), and the bot password's grants.
_CALLER = (
    select(User.id, User.name, User.registration, User.edit_count, UserGroup.group,
           UserGroup.expiry, BotPassword.grants)
    .outerjoin(UserGroup, UserGroup.user_id == User.id)
    .outerjoin(BotPassword, and_(BotPassword.user_id == User.id,
                                 BotPassword.app_id == bindparam("app_id")))
    .where(User.id == bindparam("user_id"))
    .order_by(UserGroup.group)
)


def principal(db: DbSession, settings: Settings, user_id: int,
              bot_app_id: str | None = None) -> Principal | None:
    """The effective identity for a user id, restricted by a bot password's grants."""
    rows = execute(db, _CALLER, {"user_id": user_id, "app_id": bot_app_id}).all()
    if not rows:
        return None
    first = rows[0]
    now = datetime.now(UTC)
    groups = tuple(row.group for row in rows if row.group is not None
                   and (row.expiry is None or _aware(row.expiry) > now))
    rights = rights_for_groups(settings, groups + IMPLICIT_USER_GROUPS)
    if bot_app_id is not None:
        if first.grants is None:
            return None
        allowed = grant_table.rights_for_grants(json.loads(first.grants))
        rights = [r for r in rights if r in allowed]
    return Principal(first.id, first.name, groups, tuple(rights), bot_app_id,
                     _aware(first.registration), first.edit_count)


def find_user(db: DbSession, name: str) -> User | None:
    canonical = normalize_username(name)
    if canonical is None:
        return None
    return db.scalars(select(User).where(User.name == canonical)).first()


def create_user(db: DbSession, name: str, password: str, groups: list[str] = ()  # type: ignore[assignment]
                ) -> User:
    canonical = normalize_username(name)
    if canonical is None:
        raise ValueError(f"invalid user name: {name!r}")
    if find_user(db, canonical) is not None:
        raise ValueError(f"user {canonical!r} already exists")
    user = User(name=canonical, password=hash_password(password) if password else "",
                registration=datetime.now(UTC).replace(microsecond=0))
    db.add(user)
    db.flush()
    for group in dict.fromkeys(groups):
        db.add(UserGroup(user_id=user.id, group=group))
    db.flush()
    return user


def set_groups(db: DbSession, user: User, groups: list[str]) -> None:
    for group in dict.fromkeys(groups):
        if db.get(UserGroup, (user.id, group)) is None:
            db.add(UserGroup(user_id=user.id, group=group))
    db.flush()


def check_password(user: User, password: str) -> bool:
    return bool(user.password) and verify_password(password, user.password)


def add_bot_password(db: DbSession, user: User, app_id: str, password: str,
                     grants: list[str]) -> BotPassword:
    unknown = [g for g in grants if g not in grant_table.GRANT_PERMISSIONS]
    if unknown:
        raise ValueError(f"unknown grants: {', '.join(unknown)}")
    if not app_id or len(app_id) > 32 or "@" in app_id:
        raise ValueError(f"invalid bot name: {app_id!r}")
    existing = db.get(BotPassword, (user.id, app_id))
    if existing is not None:
        raise ValueError(f"bot password {user.name}@{app_id} already exists")
    bot = BotPassword(user_id=user.id, app_id=app_id, password=hash_password(password),
                      grants=json.dumps(sorted(set(grants))))
    db.add(bot)
    db.flush()
    return bot


def check_bot_password(db: DbSession, user: User, app_id: str, password: str) -> bool:
    bot = db.get(BotPassword, (user.id, app_id))
    return bot is not None and verify_password(password, bot.password)

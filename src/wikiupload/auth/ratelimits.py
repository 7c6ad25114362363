"""$wgRateLimits: the limits (hits per seconds) per action and per category of caller.

Categories: ``anon`` or ``user``; ``ip``, ``subnet`` and (registered) ``newbie`` for callers
without the ``autoconfirmed`` right; then the caller's explicit groups.

:func:`ping` is MediaWiki's User::pingLimiter: it counts a hit on every key that applies
(counters in the database, shared by all server processes) and says whether one of them
was already at its limit. Callers with ``noratelimit`` are never counted.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session as DbSession

from wikiupload.auth import counters
from wikiupload.auth.users import Principal

Limits = dict[str, dict[str, tuple[int, int]]]

# MediaWiki 1.39's default table, in its order.
DEFAULT_RATE_LIMITS: Limits = {
    "edit": {"ip": (8, 60), "newbie": (8, 60), "user": (90, 60)},
    "move": {"newbie": (2, 120), "user": (8, 60)},
    "upload": {"ip": (8, 60), "newbie": (8, 60)},
    "rollback": {"user": (10, 60), "newbie": (5, 120)},
    "mailpassword": {"ip": (5, 3600)},
    "emailuser": {"ip": (5, 86400), "newbie": (5, 86400), "user": (20, 86400)},
    "changeemail": {"ip-all": (10, 3600), "user": (4, 86400)},
    "confirmemail": {"ip-all": (10, 3600), "user": (4, 86400)},
    "purge": {"ip": (30, 60), "user": (30, 60)},
    "linkpurge": {"ip": (30, 60), "user": (30, 60)},
    "renderfile": {"ip": (700, 30), "user": (700, 30)},
    "renderfile-nonstandard": {"ip": (70, 30), "user": (70, 30)},
    "stashedit": {"ip": (30, 60), "newbie": (30, 60)},
    "stashbasehtml": {"ip": (5, 60), "newbie": (5, 60)},
    "changetag": {"ip": (8, 60), "newbie": (8, 60)},
    "editcontentmodel": {"newbie": (2, 120), "user": (8, 60)},
}


def configured(settings: Any) -> Limits:
    """The rate-limit table: a ``rate_limits`` setting when there is one, else the default."""
    table = getattr(settings, "rate_limits", None)
    if not table:
        return DEFAULT_RATE_LIMITS
    merged: Limits = {action: dict(limits) for action, limits in DEFAULT_RATE_LIMITS.items()}
    for action, limits in table.items():
        merged[action] = {cat: (int(v[0]), int(v[1])) for cat, v in (limits or {}).items()
                          if v and not cat.startswith("&")}
    return merged


def categories(user: Principal) -> list[str]:
    found = ["anon" if user.is_anon else "user"]
    if not user.can("autoconfirmed"):
        found += ["ip", "subnet"] + ([] if user.is_anon else ["newbie"])
    return found + list(user.groups)


def limits_for(user: Principal, settings: Any, *, exempt_applies: bool = True,
               ) -> dict[str, dict[str, dict[str, int]]]:
    """The limits that apply to a caller, as meta=userinfo lists them.

    With ``exempt_applies``, a caller with ``noratelimit`` has none.
    """
    if exempt_applies and user.can("noratelimit"):
        return {}
    cats = categories(user)
    out: dict[str, dict[str, dict[str, int]]] = {}
    for action, limits in configured(settings).items():
        for cat in cats:
            if cat in limits:
                hits, seconds = limits[cat]
                out.setdefault(action, {})[cat] = {"hits": hits, "seconds": seconds}
    return out


@dataclass(frozen=True)
class LimiterKey:
    """One counter a hit goes to: its key and the limit (``hits`` per ``seconds``)."""

    key: str
    hits: int
    seconds: int


def _subnet(ip: str) -> str | None:
    """The /24 (IPv4) or /64 (IPv6) network of an address, as MediaWiki groups them."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _rate(limit: tuple[int, int]) -> float:
    return limit[0] / limit[1] if limit[1] else float("inf")


def _user_limit(user: Principal, limits: dict[str, tuple[int, int]], newbie: bool,
                ) -> tuple[int, int] | None:
    """The per-account limit: ``newbie`` for new accounts, else ``user`` or the most
    generous limit of the caller's groups."""
    if user.is_anon:
        return None
    if newbie and "newbie" in limits:
        return limits["newbie"]
    chosen = limits.get("user")
    for group in user.groups:
        if group in limits and (chosen is None or _rate(limits[group]) > _rate(chosen)):
            chosen = limits[group]
    return chosen


def limiter_keys(user: Principal, ip: str, action: str, settings: Any) -> list[LimiterKey]:
    """The counters one ``action`` by this caller counts on (none with ``noratelimit``)."""
    limits = configured(settings).get(action)
    if not limits or user.can("noratelimit"):
        return []
    newbie = not user.can("autoconfirmed")
    # Parsing the address is the costly part of a ping that counts nothing: only if needed.
    subnet = _subnet(ip) if "subnet-all" in limits or newbie and "subnet" in limits else None
    keys: list[LimiterKey] = []

    def add(name: str, limit: tuple[int, int]) -> None:
        keys.append(LimiterKey(f"limiter:{action}:{name}", limit[0], limit[1]))

    if user.is_anon and "anon" in limits:
        add("anon", limits["anon"])
    if newbie and "ip" in limits:
        add(f"ip:{ip}", limits["ip"])
    if newbie and "subnet" in limits and subnet:
        add(f"subnet:{subnet}", limits["subnet"])
    per_user = _user_limit(user, limits, newbie)
    if per_user is not None:
        add(f"user:{user.id}", per_user)
    for category, part in (("ip-all", ip), ("subnet-all", subnet)):
        limit = limits.get(category)
        if limit is None or part is None:
            continue
        if newbie or per_user is None or _rate(limit) > _rate(per_user):
            add(f"{category}:{part}", limit)
    return keys


def ping(db: DbSession, user: Principal, ip: str, action: str, settings: Any,
         incr: int = 1, now: int | None = None) -> bool:
    """Count one ``action``; True when the caller was already at a limit (refuse it).

    Every applicable counter is increased, also when refused, as MediaWiki does.
    """
    triggered = False
    for limiter in limiter_keys(user, ip, action, settings):
        if limiter.hits <= 0:
            triggered = True
            continue
        count = counters.hit(db, limiter.key, limiter.seconds, incr, now=now)
        if count - incr >= limiter.hits:
            triggered = True
    return triggered

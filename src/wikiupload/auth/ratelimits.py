"""$wgRateLimits: the limits (hits per seconds) per action and per category of caller.

Categories: ``anon`` or ``user``; ``ip``, ``subnet`` and (registered) ``newbie`` for callers
without the ``autoconfirmed`` right; then the caller's explicit groups.
"""

from __future__ import annotations

from typing import Any

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
                          if v}
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

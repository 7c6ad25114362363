"""Expiry values, as MediaWiki's ``expiry`` parameter type takes them.

An expiry is "infinity" (any of the four spellings MediaWiki accepts) or a moment: an
absolute timestamp in one of the API's timestamp forms, or a duration from now such as
``1 week``, ``+3 months`` or ``2 days 12 hours`` (calendar months and years, like PHP's
relative formats, so 31 January + 1 month runs over into March).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

from wikiupload.api.params import parse_timestamp
from wikiupload.timestamps import iso, utc

__all__ = ["INFINITY", "Expiry", "ExpiryError", "exceeds", "format_expiry", "parse_expiry",
           "stored_expiry"]

INFINITY: Final = "infinity"
INFINITY_SPELLINGS = frozenset({"infinite", "indefinite", "infinity", "never"})
Expiry = datetime | Literal["infinity"]

_PART = re.compile(r"\s*([+-]?)\s*(\d+)\s*([a-z]+)\s*", re.IGNORECASE)
_SECONDS = {"sec": 1, "second": 1, "min": 60, "minute": 60, "hour": 3600, "day": 86400,
            "week": 7 * 86400, "fortnight": 14 * 86400}
_MONTHS = {"month": 1, "year": 12}


class ExpiryError(ValueError):
    """The text is neither infinity, a timestamp nor a duration."""


def parse_expiry(text: str, now: datetime) -> Expiry:
    """The moment (UTC, whole seconds) or INFINITY that ``text`` means at ``now``."""
    value = text.strip()
    if value in INFINITY_SPELLINGS:
        return INFINITY
    stamp = _absolute(value)
    if stamp is not None:
        return stamp
    return _relative(value, utc(now).replace(microsecond=0))


def format_expiry(expiry: Expiry | None) -> str:
    """``infinity`` or an ISO 8601 timestamp, as the API writes expiries."""
    if expiry is None or expiry == INFINITY:
        return INFINITY
    return iso(expiry)


def stored_expiry(text: str | None) -> Expiry | None:
    """An expiry written by format_expiry (in a job's parameters) read back."""
    return None if text is None else parse_expiry(text, datetime.now(UTC))


def exceeds(expiry: Expiry, limit: str, now: datetime) -> datetime | None:
    """The longest allowed moment when ``expiry`` is past the relative ``limit``, else None."""
    if not limit.strip() or expiry == INFINITY:
        return None
    maximum = parse_expiry(limit, now)
    if maximum == INFINITY or expiry <= maximum:
        return None
    return maximum


def _absolute(value: str) -> datetime | None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value += "T00:00:00Z"
    if value.endswith("Z") and "T" in value:
        value = value[:-1].split(".")[0] + "Z"
    stamp = parse_timestamp(value)
    return utc(stamp) if stamp is not None else None


def _relative(value: str, now: datetime) -> datetime:
    position, moment = 0, now
    parts = list(_PART.finditer(value))
    if not parts:
        raise ExpiryError(value)
    for match in parts:
        if match.start() != position:
            raise ExpiryError(value)
        position = match.end()
        sign = -1 if match.group(1) == "-" else 1
        moment = _shift(moment, sign * int(match.group(2)), _unit(match.group(3), value))
    if position != len(value):
        raise ExpiryError(value)
    return moment


def _unit(word: str, value: str) -> str:
    unit = word.lower()
    if unit not in _SECONDS and unit not in _MONTHS and unit.endswith("s"):
        unit = unit[:-1]
    if unit not in _SECONDS and unit not in _MONTHS:
        raise ExpiryError(value)
    return unit


def _shift(moment: datetime, amount: int, unit: str) -> datetime:
    if unit in _SECONDS:
        return moment + timedelta(seconds=amount * _SECONDS[unit])
    months = moment.year * 12 + moment.month - 1 + amount * _MONTHS[unit]
    start = moment.replace(year=months // 12, month=months % 12 + 1, day=1)
    return start + timedelta(days=moment.day - 1)

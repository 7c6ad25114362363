"""Expiry values: infinity spellings, timestamps and PHP-like relative durations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wikiupload.expiry import (
    INFINITY,
    ExpiryError,
    exceeds,
    format_expiry,
    parse_expiry,
    stored_expiry,
)

NOW = datetime(2024, 1, 31, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["infinite", "indefinite", "infinity", "never"])
def test_infinity_spellings(text: str) -> None:
    assert parse_expiry(text, NOW) == INFINITY
    assert format_expiry(parse_expiry(text, NOW)) == "infinity"


@pytest.mark.parametrize(("text", "expected"), [
    ("1 week", datetime(2024, 2, 7, 12, tzinfo=UTC)),
    ("+3 days", datetime(2024, 2, 3, 12, tzinfo=UTC)),
    ("2 days 12 hours", datetime(2024, 2, 3, 0, tzinfo=UTC)),
    ("1 month", datetime(2024, 3, 2, 12, tzinfo=UTC)),      # 31 Jan + 1 month runs over
    ("6 months", datetime(2024, 7, 31, 12, tzinfo=UTC)),
    ("1 year", datetime(2025, 1, 31, 12, tzinfo=UTC)),
    ("-1 day", datetime(2024, 1, 30, 12, tzinfo=UTC)),
    ("2030-05-06T07:08:09Z", datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)),
    ("20300506070809", datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)),
    ("2030-05-06", datetime(2030, 5, 6, tzinfo=UTC)),
])
def test_moments(text: str, expected: datetime) -> None:
    assert parse_expiry(text, NOW) == expected


@pytest.mark.parametrize("text", ["soon", "1 eon", "week", "1 week later", ""])
def test_invalid(text: str) -> None:
    with pytest.raises(ExpiryError):
        parse_expiry(text, NOW)


def test_maximum_and_storage() -> None:
    assert exceeds(parse_expiry("1 year", NOW), "6 months", NOW) == parse_expiry("6 months",
                                                                                 NOW)
    assert exceeds(parse_expiry("1 week", NOW), "6 months", NOW) is None
    assert exceeds(INFINITY, "6 months", NOW) is None
    assert exceeds(parse_expiry("9 years", NOW), "", NOW) is None
    assert stored_expiry("2030-05-06T07:08:09Z") == datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert stored_expiry("infinity") == INFINITY and stored_expiry(None) is None

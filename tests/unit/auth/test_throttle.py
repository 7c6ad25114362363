"""Login throttling windows and the wording of durations."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wikiupload.auth import throttle
from wikiupload.i18n.messages import render
from wikiupload.wiki import Wiki

FIVE_PER_300 = (throttle.Condition(5, 300), throttle.Condition(150, 172800))


def test_default_conditions_from_settings(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    assert throttle.conditions(wiki.settings.password_attempt_throttle) == FIVE_PER_300


def test_fixed_window_from_the_first_attempt(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    with wiki.db() as db:
        limiter = throttle.Throttler(db, throttle.PASSWORD, FIVE_PER_300)
        for second in range(5):
            assert limiter.increase("Plain", "10.0.0.1", now=1000 + second) is None
        assert limiter.increase("Plain", "10.0.0.1", now=1010) == 300
        assert limiter.increase("Plain", "10.0.0.1", now=1299) == 300
        # Other names, addresses and kinds have their own counters.
        assert limiter.increase("Admin", "10.0.0.1", now=1010) is None
        assert limiter.increase("Plain", "10.0.0.2", now=1010) is None
        other = throttle.Throttler(db, throttle.BOT_PASSWORD, FIVE_PER_300)
        assert other.increase("Plain", "10.0.0.1", now=1010) is None
        # The window started at 1000, so it is over at 1300 whatever happened since.
        assert limiter.increase("Plain", "10.0.0.1", now=1300) is None


def test_clear_forgets_the_attempts(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    with wiki.db() as db:
        limiter = throttle.Throttler(db, throttle.PASSWORD, (throttle.Condition(1, 60),))
        assert limiter.increase("Plain", "10.0.0.1", now=0) is None
        assert limiter.increase("Plain", "10.0.0.1", now=1) == 60
        limiter.clear("Plain", "10.0.0.1")
        assert limiter.increase("Plain", "10.0.0.1", now=2) is None


def test_all_ips_and_disabled_conditions(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    with wiki.db() as db:
        rules = throttle.conditions([{"count": 0, "seconds": 10},
                                     {"count": 1, "seconds": 99, "allIPs": 1}])
        limiter = throttle.Throttler(db, throttle.PASSWORD, rules)
        assert limiter.increase("Plain", "10.0.0.1", now=0) is None
        assert limiter.increase("Plain", "10.0.0.9", now=1) == 99
        assert limiter.increase(None, "10.0.0.9", now=1) is None


def test_the_longer_window_counts_too(wiki_factory: Callable[..., Wiki]) -> None:
    wiki = wiki_factory()
    with wiki.db() as db:
        rules = (throttle.Condition(2, 10), throttle.Condition(3, 1000))
        limiter = throttle.Throttler(db, throttle.PASSWORD, rules)
        assert limiter.increase("A", "ip", now=0) is None
        assert limiter.increase("A", "ip", now=1) is None
        assert limiter.increase("A", "ip", now=20) is None
        assert limiter.increase("A", "ip", now=21) == 1000


@pytest.mark.parametrize(("seconds", "text"), [
    (300, "5 minutes"), (60, "1 minute"), (172800, "2 days"), (0, "0 seconds"),
    (90, "1 minute and 30 seconds"), (5400, "1 hour and 30 minutes"),
    (90061, "1 day, 1 hour, 1 minute and 1 second"), (31556952, "1 year"),
])
def test_durations(seconds: int, text: str) -> None:
    assert render(throttle.duration(seconds)) == text


def test_throttled_message() -> None:
    assert render(throttle.throttled_message(300)) == (
        "You have made too many recent login attempts.\nPlease wait 5 minutes before trying "
        "again.")

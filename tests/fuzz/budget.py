"""Example budgets of the fuzz tests (the profiles are registered in conftest.py)."""

from __future__ import annotations

from hypothesis import settings

# Tests against the live server run this share of the profile's examples (each example is
# several HTTP requests).
LIVE_SHARE = 0.25


def live_examples() -> int:
    current = settings.default
    examples = current.max_examples if current is not None else 100
    return max(10, int(examples * LIVE_SHARE))

"""Hypothesis profiles for the property-based tests.

``ci`` (the default) keeps a fixed, small budget so the suite's time stays predictable;
``thorough`` runs many more examples. Choose with ``WIKIUPLOAD_FUZZ_PROFILE=thorough``;
``WIKIUPLOAD_FUZZ_EXAMPLES=N`` overrides the number of examples of either.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
            HealthCheck.data_too_large]

settings.register_profile("ci", max_examples=60, deadline=timedelta(seconds=2),
                          database=None, derandomize=True, suppress_health_check=_SLOW_OK,
                          print_blob=True)
settings.register_profile("thorough", max_examples=2000, deadline=timedelta(seconds=10),
                          database=None, suppress_health_check=_SLOW_OK, print_blob=True)
settings.load_profile(os.environ.get("WIKIUPLOAD_FUZZ_PROFILE", "ci"))
if os.environ.get("WIKIUPLOAD_FUZZ_EXAMPLES"):
    settings.register_profile("sized", settings.default,
                              max_examples=int(os.environ["WIKIUPLOAD_FUZZ_EXAMPLES"]))
    settings.load_profile("sized")

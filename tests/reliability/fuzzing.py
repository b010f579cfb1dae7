"""Sizes for the fuzz tests: small in CI, the profile's (long) size under `make fuzz`."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def fuzz(ci_examples: int) -> settings:
    """``ci_examples`` in the normal suite; the loaded profile's max_examples when long."""
    examples = settings.default.max_examples if LONG else ci_examples
    return settings(max_examples=examples, deadline=None, suppress_health_check=_RELAXED)

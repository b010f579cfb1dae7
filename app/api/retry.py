"""When and how long to wait before retrying a request: backoff with full jitter, Retry-After."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import Enum

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class RetryMode(Enum):
    """How a request may be repeated after a failure."""

    NEVER = "never"  # billable: Run
    CONNECT_ONLY = "connect_only"  # not safely repeatable once sent: Cancel, Kill
    READ = "read"  # side-effect free: Task/Detail, Tool/Detail, downloads


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter; Retry-After honoured up to a cap."""

    retries: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** min(attempt, 30)))
        return rng.uniform(0.0, ceiling)


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES or 500 <= status < 600


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the delta-seconds form only; HTTP dates fall back to backoff)."""
    if not value or len(value) > 32:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None

"""Retry delays for delivery: capped exponential back-off with full jitter.

"Full jitter" (delay = uniform(0, min(cap, base·2^attempt))) spreads the retries of many clients that
lost the same backend at the same moment, so they do not return in lock-step (AWS Architecture Blog,
"Exponential Backoff And Jitter", 2015). Pure: the random source is passed in.
"""
from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Backoff:
    base_s: float = 0.5
    cap_s: float = 60.0
    floor_s: float = 0.05  # never spin: at least this long between attempts

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (0 = first retry)."""
        ceiling = min(self.cap_s, self.base_s * (2 ** min(attempt, 30)))
        return max(self.floor_s, rng.uniform(0.0, ceiling))

"""Token buckets per key: how much one account or address may send (issue 16, items 2 and 4).

A bucket holds up to ``burst`` units and refills at ``rate`` units per second; :meth:`Quota.take`
either takes ``units`` or raises :class:`RateLimited` saying when enough will be back. The key table
is bounded: when full, the fullest buckets (idle keys) are forgotten first, which only ever gives a
key *more* room. Time comes from the caller.
"""
from __future__ import annotations

import threading

from backend_stub.api.errors import RateLimited

MAX_KEYS = 10_000


class Quota:
    def __init__(self, *, rate: float, burst: float, what: str) -> None:
        self._rate = rate
        self._burst = burst
        self._what = what
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (level, at)
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        level, at = self._buckets.get(key, (self._burst, now))
        return min(self._burst, level + (now - at) * self._rate)

    def take(self, key: str, units: float, *, now: float) -> None:
        """Spend ``units`` of ``key``'s allowance, or raise RateLimited (nothing spent)."""
        with self._lock:
            level = self._level(key, now)
            if units > level:
                wait = (min(units, self._burst) - level) / self._rate if self._rate > 0 else 3600.0
                raise RateLimited(f"too many {self._what}; slow down", retry_after_s=max(wait, 0.001))
            if key not in self._buckets and len(self._buckets) >= MAX_KEYS:
                self._forget_idle(now)
            self._buckets[key] = (level - units, now)

    def _forget_idle(self, now: float) -> None:
        levels = sorted(self._buckets, key=lambda k: self._level(k, now), reverse=True)
        for k in levels[: max(1, len(levels) // 4)]:
            del self._buckets[k]

"""How many segments to fetch at once: grow while throughput grows, shrink on errors. Pure: time is passed in.

Why adaptive (issue 19): a fixed 4 fetches is latency-bound — with 20 ms per request a worker spends
most of a 2 s segment's transfer waiting for the first byte (46–50 MB/s with 4 against 83–88 with
8) — while on a slow or failing CDN more connections only add contention. So the download starts
at ``start`` and measures throughput over windows long enough to see every fetch in flight finish
once (at least ``window_s`` and ``limit`` completions). A window faster than the last by more than
``gain`` earns a step up (×``growth``, capped at ``high``); a window that gained nothing ends the
climb (more connections bought nothing). An error — a retried or failed-over request — halves the
limit (never under ``low``) and lets the climb start again from there: the link or a CDN may have
changed, and the next windows find the new best level.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ParallelismPolicy:
    start: int = 4
    low: int = 1
    high: int = 16
    growth: float = 1.5
    gain: float = 1.05
    """A window must be this much faster than the previous one to justify the last step up."""
    window_s: float = 0.15


def parallelism_policy(setting: int | ParallelismPolicy | None) -> ParallelismPolicy:
    """``None``: adaptive (the default policy); ``N``: exactly N at all times (``--parallel``, the app's setting)."""
    if setting is None:
        return ParallelismPolicy()
    if isinstance(setting, ParallelismPolicy):
        return setting
    n = max(1, int(setting))
    return ParallelismPolicy(start=n, low=n, high=n)


class ParallelismGovernor:
    """The current ``limit`` on fetches in flight, fed with completions and errors."""

    def __init__(self, policy: ParallelismPolicy | None = None) -> None:
        self.policy = policy or ParallelismPolicy()
        self.limit = max(self.policy.low, min(self.policy.high, self.policy.start))
        self.climbing = True
        self.history: list[tuple[int, float]] = []
        """``(limit, bytes per second)`` of every closed window: what the climb saw (benchmarks print it)."""
        self._window_start: float | None = None
        self._bytes = 0
        self._count = 0
        self._last_rate: float | None = None

    def on_start(self, now: float) -> None:
        """Transfers begin (or resume after a pause): a fresh window, measured from here."""
        self._open(now)

    def on_done(self, now: float, nbytes: int) -> int:
        """A fetch completed; the limit to apply from now on."""
        if self._window_start is None:
            self._window_start = now
        self._bytes += nbytes
        self._count += 1
        elapsed = now - self._window_start
        if elapsed >= self.policy.window_s and self._count >= self.limit:
            self._close(self._bytes / elapsed if elapsed > 0 else 0.0, now)
        return self.limit

    def on_error(self, now: float) -> int:
        """A request needed a retry or another CDN: halve, then climb again from a fresh window."""
        self.limit = max(self.policy.low, self.limit // 2)
        self.climbing = True
        self._last_rate = None
        self._open(now)
        return self.limit

    def _close(self, rate: float, now: float) -> None:
        self.history.append((self.limit, rate))
        if self.climbing:
            if self._last_rate is None or rate > self._last_rate * self.policy.gain:
                self._last_rate = rate
                self.limit = min(self.policy.high, max(self.limit + 1, math.ceil(self.limit * self.policy.growth)))
                self.climbing = self.limit < self.policy.high
            else:
                self.climbing = False
        self._open(now)

    def _open(self, now: float) -> None:
        self._window_start = now
        self._bytes = 0
        self._count = 0

"""Injected time for every decision the API makes (token and session expiry, rate limits, licences).

Decision logic never calls ``time.time()`` itself; it asks a :class:`Clock`. Tests pass a
:class:`ManualClock` and move it forward instead of sleeping (the Trio ``MockClock`` idea).
"""
from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds since the epoch (tokens and licences carry absolute times)."""

    def now(self) -> float: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to; thread-safe because the API runs on another thread."""

    def __init__(self, start: float) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, when: float) -> None:
        with self._lock:
            self._now = float(when)

"""Download progress as values: bytes and segments done, rate and ETA. Pure; time is passed in.

The manager calls ``ProgressMeter.add`` after each stored slot (correcting the total, which holds
estimates for slots not yet fetched — see ``sizing``) and hands the resulting
:class:`Progress` to the caller's callback (the CLI draws a bar; the UI wraps the callback in a Qt
signal). The rate is a sliding-window average over ``window_s`` so the ETA follows the current
link rather than the whole history (a resumed download does not count the paused hours).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Progress:
    """One progress report."""

    asset_id: str
    state: str
    bytes_done: int
    bytes_total: int
    segments_done: int
    segments_total: int
    rate_bps: float
    """Recent throughput in bytes per second (0 until measured)."""
    eta_s: float | None
    """Seconds left at the recent rate; None until a rate is known, 0 when complete."""

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 1.0


ProgressCallback = Callable[[Progress], None]


class ProgressMeter:
    """Counts stored bytes over a sliding window."""

    def __init__(self, *, asset_id: str, bytes_total: int, segments_total: int, bytes_done: int = 0,
                 segments_done: int = 0, window_s: float = 5.0) -> None:
        self.asset_id = asset_id
        self.bytes_total = bytes_total
        self.segments_total = segments_total
        self.bytes_done = bytes_done
        self.segments_done = segments_done
        self.window_s = window_s
        self._events: deque[tuple[float, int]] = deque()
        self._started: float | None = None

    def start(self, now: float) -> None:
        """The (re)start of transfers: the rate window begins here."""
        self._started = now
        self._events.clear()

    def add(self, now: float, nbytes: int, *, estimated: int | None = None) -> None:
        """A slot of ``nbytes`` stored; ``estimated`` is what the total counted for it until now (corrected here)."""
        if estimated is not None:
            self.bytes_total += nbytes - estimated
        self.bytes_done += nbytes
        self.segments_done += 1
        self._events.append((now, nbytes))
        while self._events and self._events[0][0] < now - self.window_s:
            self._events.popleft()

    def rate(self, now: float) -> float:
        if not self._events or self._started is None:
            return 0.0
        begin = max(self._started, now - self.window_s)
        span = now - begin
        total = sum(n for t, n in self._events if t >= begin)
        return total / span if span > 0 else 0.0

    def snapshot(self, now: float, state: str) -> Progress:
        rate = self.rate(now)
        left = max(0, self.bytes_total - self.bytes_done)
        eta = 0.0 if left == 0 else (left / rate if rate > 0 else None)
        return Progress(asset_id=self.asset_id, state=state, bytes_done=self.bytes_done, bytes_total=self.bytes_total,
                        segments_done=self.segments_done, segments_total=self.segments_total, rate_bps=rate, eta_s=eta)

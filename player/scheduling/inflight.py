"""A video download in flight, as the scheduler shows it to the ABR's abandonment rule.

The source reports progress through a callback (``SegmentRequest.on_progress``); :class:`InFlight` is
that callback and turns what it heard into the algorithm's :class:`~abr.state.Progress`.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from abr.state import Progress
from player.net.clock import Clock


class InFlight:
    """A video download in flight as the source's progress callback reports it (all attempts of one request).

    Timing follows the simulator's ``Progress``: ``elapsed_s`` and ``latency_s`` run from the request's
    start. When the pool retries or fails over, the new attempt's bytes count from 0 and the time before
    its response — the failed attempts included — counts as latency, so the rate judged is the rate of
    the attempt in flight while the buffer is drained by the whole wait.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.started = clock.now()
        self.head_at: float | None = None  # when the current attempt's response (or first bytes) came
        self.received = 0  # bytes of the current attempt
        self.total: int | None = None  # its body length, when announced
        self.judged = 0  # ``received`` when the algorithm last saw it

    def __call__(self, received: int, total: int | None) -> None:
        if self.head_at is None or received == 0 or received < self.received:
            self.head_at = self.clock.now()  # a new attempt
            self.total = None
            self.judged = 0
        self.received = received
        if total is not None:
            self.total = total

    def progress(self, *, rung: int, nominal_bits: float, buffer_s: float) -> Progress | None:
        """The download as the algorithm sees it; ``None`` before the first body byte."""
        if self.head_at is None or self.received <= 0:
            return None
        got = self.received * 8.0
        size = self.total * 8.0 if self.total else nominal_bits
        return Progress(rung=rung, size_bits=max(size, got), downloaded_bits=got, elapsed_s=self.clock.now() - self.started,
                        latency_s=self.head_at - self.started, buffer_s=buffer_s)


@dataclass(frozen=True, kw_only=True)
class Abandoned:
    """A video download cancelled on the algorithm's word."""

    rung: int
    to_rung: int
    received: int  # bytes of the attempt that was cancelled
    seconds: float  # since the request started
    latency_s: float


async def cancel_all(*tasks: asyncio.Future[Any], why: str) -> None:
    """Cancel what still runs and wait for it (the pool records the aborted attempt); retrieves every outcome."""
    for task in tasks:
        if not task.done():
            task.cancel(why)
    await asyncio.gather(*tasks, return_exceptions=True)

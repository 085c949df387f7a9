"""The engine's one time source (issue 13): session, scheduler, CDN pool, shaping and libmpv's events
all read it, so every figure is on one axis and every wait is testable without sleeping.

Decision logic (retry back-off, CDN benching, probing, the scheduler's waits) never reads the system
clock directly: it asks the injected ``Clock``. ``ManualClock`` is the test double (Trio's
``MockClock`` with autojump): a ``sleep`` returns at once with virtual time moved to its deadline,
sleepers waking in deadline order, so concurrent tasks (a download in flight, the loop watching it,
the playhead) see one consistent timeline.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Protocol


class Clock(Protocol):
    """Seconds on a monotonic scale, and a way to wait on that scale."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class MonotonicClock:
    """The real clock: ``time.monotonic`` and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that moves only when told to, or when someone sleeps on it (autojump).

    ``sleep(s)`` waits until it holds the earliest deadline of all pending sleeps — after letting
    the other ready tasks run up to their own next wait (``settle`` loop turns) — then sets the time
    to its deadline. A lone sleeper therefore advances the time by exactly ``s``.
    """

    def __init__(self, start: float = 1000.0, *, settle: int = 20) -> None:
        self._now = start
        self.settle = settle
        self.slept: list[float] = []
        self._deadlines: list[tuple[float, int]] = []
        self._tickets = itertools.count()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go back")
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        mine = (self._now + max(0.0, seconds), next(self._tickets))
        heapq.heappush(self._deadlines, mine)
        try:
            while True:
                for _ in range(self.settle):
                    await asyncio.sleep(0)
                if self._deadlines[0] == mine:
                    break
        finally:
            self._deadlines.remove(mine)
            heapq.heapify(self._deadlines)
        self._now = max(self._now, mine[0])


async def ticks(clock: Clock, period_s: float) -> AsyncIterator[float]:
    """Yield ``clock.now()`` every ``period_s`` on a fixed grid from the first call.

    A loop that sleeps ``period_s`` after its work drifts by the work's time each turn (0.5 s samples
    came out every ~0.505 s); waiting for the grid's next point does not. A turn that overruns skips the
    points it missed rather than bunching them.
    """
    due = clock.now()
    while True:
        due += period_s
        now = clock.now()
        due = max(due, now)
        await clock.sleep(due - now)
        yield clock.now()


async def done_within(clock: Clock, awaitable: Awaitable[object], seconds: float) -> bool:
    """Wait for ``awaitable`` at most ``seconds`` on ``clock``; True if it finished.

    Every timeout in the engine goes through here (``asyncio.wait_for`` would wait in real time, not
    on a ``ManualClock``). A future passed in is left running on timeout; a coroutine is cancelled,
    also when the waiter is.
    """
    target = asyncio.ensure_future(awaitable)
    owned = target is not awaitable
    try:
        if not target.done():
            await _first_of(target, clock, seconds)
    finally:  # on timeout, and when the waiter itself is cancelled: nothing of ours outlives the wait
        if owned and not target.done():
            target.cancel()
            await asyncio.gather(target, return_exceptions=True)
    return target.done() and not target.cancelled()


async def _first_of(target: asyncio.Future[object], clock: Clock, seconds: float) -> None:
    timer = asyncio.ensure_future(clock.sleep(seconds))
    try:
        await asyncio.wait((target, timer), return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        await asyncio.gather(timer, return_exceptions=True)

"""Waiting on the engine's clock: every timeout in the scheduler is a ``Clock.sleep``, so that tests on
``ManualClock`` run the same code without real sleeping (``asyncio.wait_for`` would wait in real time)."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from player.net.clock import Clock


async def done_within(clock: Clock, awaitable: Awaitable[object], seconds: float) -> bool:
    """Wait for ``awaitable`` at most ``seconds`` on ``clock``; True if it finished (it is never cancelled)."""
    target = asyncio.ensure_future(awaitable)
    if target.done():
        return True
    timer = asyncio.ensure_future(clock.sleep(seconds))
    try:
        await asyncio.wait((target, timer), return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        await asyncio.gather(timer, return_exceptions=True)
    return target.done()


class FirstFrameGate:
    """Holds later segments until libmpv shows the first picture, at most ``hold_s`` (see ``Scheduler``)."""

    def __init__(self, clock: Clock, hold_s: float) -> None:
        self.clock = clock
        self.hold_s = hold_s
        self.shown = asyncio.Event()

    async def hold(self) -> None:
        if not self.shown.is_set():
            waiter = asyncio.ensure_future(self.shown.wait())
            if not await done_within(self.clock, waiter, self.hold_s):
                waiter.cancel()

"""The first-frame hold: later segments wait for libmpv's first picture, at most a bound, on the clock."""
from __future__ import annotations

import asyncio
from player.net.clock import Clock, done_within


class FirstFrameGate:
    """Holds later segments until libmpv shows the first picture, at most ``hold_s`` (see ``Scheduler``)."""

    def __init__(self, clock: Clock, hold_s: float) -> None:
        self.clock = clock
        self.hold_s = hold_s
        self.shown = asyncio.Event()

    async def hold(self) -> None:
        if not self.shown.is_set():
            await done_within(self.clock, self.shown.wait(), self.hold_s)

"""When a track gives up on a segment: only once the buffer has run dry *and* the retry budget is spent.

Why (issue 16): both edges down for 8 s ended a session after ~4 s with 24.7 s still buffered. While
media is buffered a failed segment costs nothing yet, so it is fetched again (patiently, after a
pause) for as long as the buffer lasts; with the buffer dry, ``RETRIES`` more failures end the session
with the fetch's own named error.
"""
from __future__ import annotations

from collections.abc import Callable

from player.net.clock import Clock

RETRIES = 3
RETRY_PAUSE_S = 0.5
#: "dry": less than this left. libmpv's playhead stops at the last frame's time, a frame short of what was
#: fed, so an exact zero would never come and a dead segment would be retried for ever
DRY_S = 1.0


def may_give_up(failures: int, buffer_s: float) -> bool:
    """After ``failures`` failed fetches of one segment, with ``buffer_s`` of media buffered."""
    return failures > RETRIES and buffer_s < DRY_S


class Patience:
    """One segment's retries: give up once the budget is spent and the buffer has run dry — by the
    playhead (nothing buffered) or by the clock (as long as the buffer held at the first failure has
    been played). The clock is needed because the playhead can stop short of the end of what was fed
    (the muxers hold the newest packets back; libmpv shows a last frame before its end): the buffer then
    never reads 0, and a segment missing on every CDN was retried forever (a cut Period hung the play).

    Only time that costs the viewer counts: playing, or waiting on an empty buffer. Time the viewer
    holds the play paused spends nothing (``paused_s(now)``: all the time paused so far), so a viewer
    who pauses with 30 s buffered through a CDN outage finds the play still there when they come back;
    once they play on, the 30 s drain as before and the segment's own named error ends the play."""

    def __init__(self, clock: Clock, buffer_s: Callable[[], float],
                 paused_s: Callable[[float], float] = lambda _now: 0.0) -> None:
        self.clock, self.buffer_s, self.paused_s = clock, buffer_s, paused_s
        self.failures = 0
        self._since: float | None = None
        self._paused_at_since = 0.0
        self._budget_s = 0.0

    def failed(self) -> bool:
        """Count one failed fetch; True when it is time to give up on the segment."""
        now, buffered = self.clock.now(), self.buffer_s()
        if self._since is None:
            self._since, self._budget_s = now, max(0.0, buffered)
            self._paused_at_since = self.paused_s(now)
        self.failures += 1
        spent = (now - self._since) - (self.paused_s(now) - self._paused_at_since)
        return may_give_up(self.failures, 0.0 if spent >= self._budget_s else buffered)

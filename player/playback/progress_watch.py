"""The net under a play: one where nothing moves for a minute ends with :class:`PlaybackStuck`.

Why: every wait in the engine is bounded by a rule of its own — a transfer by its stall floor, a
failing segment by the buffer's patience (``give_up``), a live manifest by its freeze limit — but a
wait no rule bounds hangs in silence, and a hung reference player tells its user nothing (session 40
found one: a segment longer than the buffer's room waited for room forever). So the session watches
what moves while a play is alive — the playhead, the file libmpv plays, each byte and each ended
attempt of a media request, each segment fed — and a play the viewer has not paused in which none of
them moved for ``limit_s`` fails, saying where it stood. Pure: the session samples, this decides.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from player.errors import PlaybackStuck
from player.net.clock import Clock

__all__ = ["Moves", "NO_PROGRESS_S", "PlaybackStuck", "ProgressWatch", "watch_progress"]

NO_PROGRESS_S = 60.0  # longer than any quiet wait a rule bounds (a failing attempt: connect 3 s + back-off 2 s)
TICK_S = 1.0  # how often the session samples
#: a sample this late means the event loop itself was held up: the events it held may not be read
#: yet, so the count starts again rather than blaming the play
LATE_S = 5.0


@dataclass(frozen=True)
class Moves:
    """What changes while a play makes progress."""

    position_s: float | None  # libmpv's playhead (None until its first report)
    generation: int  # the file libmpv plays: a seek or a new Period starts another
    media_heard: int  # the CDN pool's chunks and ended attempts of media requests (0 offline)
    segments_fed: int  # segments handed to the feed, online and offline


class ProgressWatch:
    """Samples of :class:`Moves` in, one verdict out: stuck once nothing moved for ``limit_s`` unpaused."""

    def __init__(self, limit_s: float = NO_PROGRESS_S) -> None:
        self.limit_s = limit_s
        self._last: Moves | None = None
        self._since = 0.0  # when the last move (or pause, or late sample) was seen
        self._sampled_at: float | None = None

    def stuck(self, now: float, moves: Moves, *, paused: bool) -> bool:
        """True once ``moves`` has stayed the same, with the play unpaused, for ``limit_s`` up to ``now``."""
        late = self._sampled_at is not None and now - self._sampled_at > LATE_S
        self._sampled_at = now
        if paused or late or moves != self._last:
            self._last, self._since = moves, now
            return False
        return now - self._since >= self.limit_s

    def still_for_s(self, now: float) -> float:
        """How long nothing has moved."""
        return now - self._since


async def watch_progress(clock: Clock, limit_s: Callable[[], float], sample: Callable[[], Moves],
                         paused: Callable[[], bool], where: Callable[[], str]) -> None:
    """Sample every ``TICK_S`` until cancelled; raises :class:`PlaybackStuck` (saying ``where()``) once stuck.
    ``limit_s()`` is asked at every sample (a live manifest's freeze limit is known once it has loaded)."""
    watch = ProgressWatch()
    while True:
        await clock.sleep(TICK_S)
        now = clock.now()
        watch.limit_s = limit_s()
        if watch.stuck(now, sample(), paused=paused()):
            raise PlaybackStuck(f"nothing moved for {watch.still_for_s(now):.0f} s of a play that was not paused: "
                                f"{where()}; no media request received a byte or ended, and no segment was fed")

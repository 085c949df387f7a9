"""The playhead as the session counts it, fed only by libmpv's events (``player.feed.events``).

Pure: no libmpv, no loop, no clock of its own — every event carries the time it was observed, so
tests drive it with plain values. It decides what counts as startup, what as a rebuffer (not the
wait for a seek's first frame, not libmpv running dry after the last segment), how much media was
actually played (a seek jumps without playing the gap), and when the session is done.
"""
from __future__ import annotations

from collections.abc import Callable

from player.feed.events import EndOfFile, FeedEvent, FirstFrame, LogProblem, OutputNotice, PositionChanged, StallChanged
from player.qoe import Notice, PositionReached, QoeTracker

PLAYED_STEP_MAX_S = 1.5  # a step up to this between two positions is playback, however fast it came
FASTEST_RATE = 5.0  # a longer step is playback when it took at least 1/5 of its length (we play at up to 4x)


class Playhead:
    """Where playback is, what has been played, and whether the session is over."""

    def __init__(
        self, *, qoe: QoeTracker, start_s: float, until_s: float | None = None,
        draining: Callable[[], bool] = lambda: False, on_first_frame: Callable[[], None] = lambda: None,
        next_part: Callable[[], tuple[float, int] | None] = lambda: None,
    ) -> None:
        """``draining()``: the scheduler fed the last segment and the buffer is nearly empty (the end, no rebuffer).
        ``next_part()``: at the end of a file, the start and generation of the file that continues the
        presentation (a Period the feed plays as a new stream), or None."""
        self.qoe = qoe
        self.until_s = until_s
        self.draining = draining
        self.on_first_frame = on_first_frame
        self.next_part = next_part
        self.start_s = start_s
        self.generation = 0  # the file (start or seek) whose events count
        self.awaiting_frame = True
        self.last_position_s: float | None = None
        self._mark: tuple[float, float] | None = None  # (position, when): where played time counts on from
        self.played_s = 0.0
        self.first_frame_position_s: float | None = None  # where the last start or seek showed its first frame
        self.decoder_errors = 0
        self.notices: list[Notice] = []  # what the viewer should be told (e.g. playing without sound)
        self.done = False
        self.end_error: str | None = None  # libmpv's words when it ended the file with an error
        self.reached_eof = False  # libmpv played the stream to its end (it showed all that was fed)
        self.end_video_output = False  # ... and the error is that no video output could open
        self.continuing = False  # the current file continues the presentation after a Period's file ended

    def restart(self, start_s: float, generation: int) -> None:
        """A new file (the start, or a seek) shows ``start_s`` first; events of older files are ignored."""
        self.start_s = start_s
        self.generation = generation
        self.continuing = False
        self.awaiting_frame = True
        self.last_position_s = None
        self._mark = None

    def held(self, at: float) -> None:
        """Nothing played up to ``at`` (a stall ended, the viewer paused or resumed): a step right after it
        is timed from here, so a jump over a hole then is no playback."""
        if self._mark is not None:
            self._mark = (self._mark[0], at)

    def position_s(self) -> float:
        """The playhead the scheduler counts from: the start (or seek) target until its first frame is out."""
        if self.awaiting_frame:
            return self.start_s
        if self.last_position_s is not None:
            return self.last_position_s
        return self.start_s if self.first_frame_position_s is None else self.first_frame_position_s

    def handle(self, event: FeedEvent) -> None:
        if isinstance(event, FirstFrame):
            self._first_frame(event)
        elif isinstance(event, StallChanged):
            if not event.stalled:
                self.qoe.stall_end(event.at)
                self.held(event.at)  # a stall plays nothing: a jump as it ends came at once
            elif not self.awaiting_frame and not self.draining():
                self.qoe.stall_start(event.at)
        elif isinstance(event, PositionChanged):
            self._advance(event.position_s, event.at)
        elif isinstance(event, LogProblem):
            self.decoder_errors += int(event.decoder)
        elif isinstance(event, OutputNotice):
            self.notices.append(Notice(at=event.at, code=event.code, message=event.message))
            self.qoe.tell(self.notices[-1])
        elif isinstance(event, EndOfFile) and event.generation == self.generation:
            self._end_of_file(event)

    def _end_of_file(self, event: EndOfFile) -> None:
        """The end of the current file: the next Period's file, or the end of the session."""
        if event.reason == "eof" and (following := self.next_part()) is not None:
            self.restart(*following)
            self.continuing = True
            return
        if event.reason == "error" and self.continuing and self.awaiting_frame:
            self.done = True  # the next Period's file got no media (all of it skipped): the completeness check names it
            return
        if event.reason == "error":
            self.end_error = event.error or "libmpv could not play the stream"
            self.end_video_output = event.video_output_failed
        if event.reason in ("eof", "error", "quit"):
            self.done = True
            self.reached_eof = event.reason == "eof"

    def _first_frame(self, event: FirstFrame) -> None:
        if event.generation != self.generation:
            return  # the file a seek replaced: its first frame says nothing about the new one
        self.qoe.first_frame(event.at)
        self.first_frame_position_s = event.position_s
        self._mark = None if event.position_s is None else (event.position_s, event.at)  # played time counts from here
        self.awaiting_frame = False
        self.on_first_frame()

    def _advance(self, position_s: float, at: float) -> None:
        """Count media time actually played: a step is playback unless it came faster than we ever play
        (libmpv jumping over a hole; our own seeks restart the count). Position reads can be seconds apart
        on a loaded box, so step size alone does not tell."""
        if self._mark is not None:
            step, took = position_s - self._mark[0], at - self._mark[1]
            if 0.0 < step and (step < PLAYED_STEP_MAX_S or step <= took * FASTEST_RATE):
                self.played_s += step
                self.qoe.position(self.played_s)
        self._mark = (position_s, at)
        last = self.last_position_s
        if last is None or int(position_s) != int(last):
            self.qoe.tell(PositionReached(at=at, position_s=position_s))
        self.last_position_s = position_s
        if self.until_s is not None and position_s >= self.until_s:
            self.done = True

"""Events from libmpv, as plain values the session and scheduler consume (callback or queue).

Each event carries the monotonic time it was observed at, taken from the clock injected into
:class:`~player.feed.mpv_output.MpvOutput`, so QoE bookkeeping needs no clock of its own.
"""
from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class PositionChanged:
    """``time-pos``: media time now shown (s, the presentation's timeline, not rebased)."""

    at: float
    position_s: float


@dataclass(frozen=True, kw_only=True)
class FirstFrame:
    """``playback-restart``: the first frame after a start or restart is out (startup / seek latency).

    ``generation`` is the value start()/restart() returned for that file, so a consumer can drop a
    first frame of a file it has already replaced.
    """

    at: float
    position_s: float | None
    generation: int


@dataclass(frozen=True, kw_only=True)
class StallChanged:
    """``paused-for-cache``: libmpv ran out of data (True) or resumed (False) — a rebuffer."""

    at: float
    stalled: bool


@dataclass(frozen=True, kw_only=True)
class IdleChanged:
    """``core-idle``: playback is not advancing (paused, stalled, or idle)."""

    at: float
    idle: bool


@dataclass(frozen=True, kw_only=True)
class VideoSize:
    """``video-params``: the decoded picture size changed (it follows rendition switches)."""

    at: float
    width: int
    height: int


@dataclass(frozen=True, kw_only=True)
class LogProblem:
    """A warn/error line from libmpv's log; ``decoder`` marks the ones counted as decoder errors."""

    at: float
    level: str
    component: str
    text: str
    decoder: bool


@dataclass(frozen=True, kw_only=True)
class EndOfFile:
    """``end-file``: reason is "eof", "stop", "quit", "error", "redirect" or "unknown"; error is mpv's text."""

    at: float
    reason: str
    error: str | None
    generation: int
    video_output_failed: bool = False  # the error is that no video output could open (libmpv's log said so)


@dataclass(frozen=True, kw_only=True)
class OutputNotice:
    """Something libmpv could not do that playback survives, e.g. no sound device → ``ao=null`` (``code``)."""

    at: float
    code: str
    message: str


FeedEvent = PositionChanged | FirstFrame | StallChanged | IdleChanged | VideoSize | LogProblem | EndOfFile | OutputNotice


class EventOutbox:
    """Where an output's events go: the ``on_event`` callback and a queue that :meth:`wait_for` reads.

    Events are emitted on libmpv's threads: ``on_event`` must be short (the session hands them to its loop).
    """

    def __init__(self, on_event: Callable[[FeedEvent], None] | None, clock: Callable[[], float]) -> None:
        self.queue: queue.SimpleQueue[FeedEvent] = queue.SimpleQueue()
        self._on_event, self._clock = on_event, clock

    def emit(self, event: FeedEvent) -> None:
        self.queue.put(event)
        if self._on_event is not None:
            self._on_event(event)

    def wait_for(self, predicate: Callable[[FeedEvent], bool], timeout_s: float) -> FeedEvent | None:
        """Consume the queue until an event matches (returned) or ``timeout_s`` passes (None)."""
        deadline = self._clock() + timeout_s
        while (remaining := deadline - self._clock()) > 0:
            try:
                event = self.queue.get(timeout=remaining)
            except queue.Empty:
                return None
            if predicate(event):
                return event
        return None

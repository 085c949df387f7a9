"""libmpv's observed properties → the feed's events, and their latest values.

libmpv pushes a change of an observed property on its event thread; the playhead wants plain
events (position, stall, idle, picture size) and the output wants the newest cache state for its
start phases (:mod:`.start_phase`), which it gets through ``on_cache``, and the audio output libmpv
opened (``on_audio_output``: "null" after it fell back to silence).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .events import FeedEvent, IdleChanged, PositionChanged, StallChanged, VideoSize

OBSERVED = ("time-pos", "paused-for-cache", "core-idle", "video-params", "demuxer-cache-state", "current-ao")


class ObservedProperties:
    """The observed properties' latest values; each change becomes an event (called on libmpv's event thread)."""

    def __init__(self, *, emit: Callable[[FeedEvent], None], clock: Callable[[], float],
                 on_cache: Callable[[Any, float], object], on_audio_output: Callable[[str | None], None]) -> None:
        self._emit, self._clock, self._on_cache, self._on_audio_output = emit, clock, on_cache, on_audio_output
        self.position_s: float | None = None
        self.video_size: tuple[int, int] | None = None
        self.stalled = False

    def changed(self, name: str, value: Any) -> None:
        now = self._clock()
        if name == "time-pos" and value is not None:
            self.position_s = float(value)
            self._emit(PositionChanged(at=now, position_s=float(value)))
        elif name == "paused-for-cache" and value is not None:
            self.stalled = bool(value)
            self._emit(StallChanged(at=now, stalled=bool(value)))
        elif name == "core-idle" and value is not None:
            self._emit(IdleChanged(at=now, idle=bool(value)))
        elif name == "demuxer-cache-state" and value:
            self._on_cache(value, now)
        elif name == "current-ao":
            self._on_audio_output(value)
        elif name == "video-params" and value:
            w, h = value.get("w"), value.get("h")
            if w and h and (w, h) != self.video_size:
                self.video_size = (int(w), int(h))
                self._emit(VideoSize(at=now, width=int(w), height=int(h)))

"""The buffer as *we* count it (DESIGN.md "We are the only downloader"): media time handed to the feed
per track, minus the playhead. Shared by the video loop (ABR input), the audio follower and the session."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class TrackProgress:
    """How far one track has been fed, and whether it reached its end."""

    added_until_s: float | None = None
    done: bool = False
    # how far the media fed fell short of where the manifest ends the segment, after the latest segment and after the
    # one before it: a manifest that overstates every segment shows it before the last one (``play_report``)
    short_s: float = 0.0
    short_before_s: float = 0.0


class Timeline:
    """Per-track progress plus the playhead; wakes the audio follower whenever the video advances."""

    def __init__(self, start_s: float, position: Callable[[], float | None],
                 paused_s: Callable[[float], float] = lambda _now: 0.0) -> None:
        """``paused_s(now)``: all the time the viewer held the play paused (give-up spends none of it)."""
        self.start_s = start_s
        self.position = position
        self.paused_s = paused_s
        self.video = TrackProgress()
        self.audio = TrackProgress()
        self._video_advanced = asyncio.Event()

    def playhead_s(self) -> float:
        pos = self.position()
        return self.start_s if pos is None else max(pos, 0.0)

    def buffer_s(self) -> float:
        """Media buffered ahead of the playhead (video added to the feed minus position)."""
        if self.video.added_until_s is None:
            return 0.0
        return max(0.0, self.video.added_until_s - self.playhead_s())

    def playable_s(self) -> float:
        """Media libmpv can play ahead of the playhead: the remuxer interleaves, so the track fed least far
        bounds it (live: an audio part may land after the video part of the same time)."""
        ends = [t.added_until_s for t in (self.video, self.audio) if t.added_until_s is not None]
        return max(0.0, min(ends) - self.playhead_s()) if ends else 0.0

    def video_reached_s(self) -> float:
        reached = self.video.added_until_s
        return self.start_s if reached is None else reached

    def video_advanced(self, *, done: bool = False) -> None:
        """Wake the audio task (an Event per step: waiters hold the one that fires)."""
        self.video.done = self.video.done or done
        advanced, self._video_advanced = self._video_advanced, asyncio.Event()
        advanced.set()

    async def wait_video(self) -> None:
        await self._video_advanced.wait()

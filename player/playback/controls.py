"""What a viewer does to a playing session: pause, volume, quality, seek, back to live, stats.

Why apart from the session's lifecycle: controls act on the running play's parts (libmpv, the
scheduler's run, the live follower) and note what the viewer did in the QoE record; they neither
start nor end anything. Before the play runs they only remember the choice (pause, quality) — a
seek then is an error. Call them on the session's loop.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from player.errors import PlaybackError
from player.manifest import Presentation
from player.net.clock import Clock
from player.playback.options import SessionOptions
from player.playback.playhead import Playhead
from player.playback.running import RunningPlay
from player.playback.stats import session_stats
from player.qoe import PauseChanged, QoeTracker, Seeked


class SessionControls:
    """The viewer's controls of :class:`~player.playback.session.PlaybackSession` (its base class)."""

    running: RunningPlay | None
    presentation: Presentation | None
    options: SessionOptions
    playhead: Playhead
    qoe: QoeTracker
    clock: Clock
    paused: bool
    _spawn: Callable[[Coroutine[Any, Any, None]], None]  # work beside the play (its failure fails the play)

    def position(self) -> float:
        """The playhead the scheduler counts from: the seek target until its first frame is out."""
        return self.playhead.position_s()

    def pause(self, paused: bool) -> None:
        """Pause or resume; a live play resumed after its DVR window passed what it would fetch next goes on at the
        target latency (``LivePlayback.resumed``), the seek under way before libmpv plays or the loops fetch."""
        self.paused = paused
        running = self.running
        if running is not None and running.live is not None and not paused:
            to = running.live.resumed(self.position(), running.scheduler.buffer_s())
            if to is not None:
                self._spawn(self.seek(to))
        if running is not None:
            running.output.pause(paused)
        self.playhead.held(self.clock.now())
        self.qoe.tell(PauseChanged(at=self.clock.now(), paused=paused, position_s=self.position()))

    def set_volume(self, volume: int) -> None:
        if self.running is not None:
            self.running.output.set_property("volume", max(0, min(100, volume)))

    def set_mute(self, muted: bool) -> None:
        if self.running is not None:
            self.running.output.set_property("mute", muted)

    def set_rendition(self, rung: int | None) -> None:
        """Pin the video quality (index into the ladder, lowest first), or ``None`` for Auto.

        A pinned quality shows within about one segment (the buffer ahead is dropped); Auto is seamless.
        """
        self.options.force_rendition = rung
        if self.running is not None:
            self.running.fetching.pin(rung)

    async def seek(self, position_s: float) -> None:
        """Restart the pipeline at ``position_s``: fetching resumes at the segment holding it."""
        if self.running is None:
            raise PlaybackError("seek before the session started")
        position_s = self.running.seek_target(position_s, self.presentation.duration_s if self.presentation else None)
        self.qoe.tell(Seeked(at=self.clock.now(), from_s=self.position(), to_s=position_s))
        await self.running.fetching.seek(position_s)

    async def go_live(self) -> None:
        """Back to the live edge (minus the target latency) after a timeshift."""
        edge_s = self.running.live_edge_s() if self.running is not None else None
        if edge_s is not None:
            await self.seek(edge_s)

    def stats(self) -> dict[str, Any]:
        """What a stats overlay shows ("stats for nerds"): rendition, bitrate, buffer, estimate, CDN, drops;
        a live play adds ``live`` (its DVR window, latency and timeshift: the app's seek bar and Go live)."""
        running = self.running
        stats = session_stats(position_s=self.position(), presentation=self.presentation,
                              scheduler=running.scheduler if running else None, output=running.output if running else None,
                              qoe=self.qoe, paused=self.paused, forced_rung=self.options.force_rendition)
        if running is not None and running.live is not None:
            stats["live"] = running.live.stats(self.position())
        return stats

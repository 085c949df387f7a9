"""The scheduler of the current run, and restarting it: a seek outside the buffer, and a pinned quality.

A restart drops what is buffered, opens a new file in libmpv at the target (the feed's restart) and
starts a new :class:`~player.scheduling.Scheduler` there. It keeps what outlives it — the ABR session
(its throughput estimate: the network did not change because the viewer jumped) and the init
segments already fetched. Restarts run one at a time; a seek supersedes a pending quality restart
(its new run fetches at the pinned quality anyway).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from abr.session import AbrSession
from abr.state import Algorithm
from player.feed.mux_feed import MuxFeed
from player.manifest import SegmentRef
from player.net.clock import Clock
from player.playback.opening import Opened
from player.playback.options import SessionOptions, make_algorithm
from player.playback.playhead import Playhead
from player.qoe import QoeTracker
from player.scheduling import InitCache, Scheduler, SchedulerConfig
from player.scheduling.scheduler import LiveSegments
from player.scheduling.start_pick import Carried
from player.track_choice import check_choices


class Fetching:
    """Runs one scheduler task at a time; a failure of it is handed to ``on_failure``."""

    def __init__(
        self, *, opened: Opened, feed: MuxFeed, playhead: Playhead, options: SessionOptions,
        max_height: int | None, clock: Clock, qoe: QoeTracker, on_failure: Callable[[BaseException], None],
        live: LiveSegments | None = None, carried: Carried | None = None,
    ) -> None:
        """``carried``: the link's estimate from earlier plays, for the first run's start (``start_pick``)."""
        # --audio/--subtitles the title lacks: named before the first request (track_choice)
        check_choices(opened.presentation, options.audio_language, options.subtitle_language)
        self.opened, self.feed, self.playhead, self.options = opened, feed, playhead, options
        self.live = live  # a live presentation's follower: every run (a seek too) takes its newest segments
        self.max_height, self.clock, self.qoe, self.on_failure = max_height, clock, qoe, on_failure
        self.scheduler = self._scheduler(playhead.start_s, make_algorithm(options.abr), opened.inits, carried=carried)
        # the carried estimate the first segment's rung came from (the report's ``start_estimate_kbps``)
        self.started_from = carried.kbps if carried is not None and self.scheduler.video.first_rung is not None else None
        self._skipped_before: list[SegmentRef] = []  # by schedulers a restart replaced
        self._task = self._run()
        self._restarting = asyncio.Lock()
        self._requality: asyncio.Task[None] | None = None

    def _scheduler(self, start_s: float, algorithm: Algorithm | AbrSession,
                   init_cache: InitCache | None = None, on_screen_rung: int | None = None,
                   carried: Carried | None = None) -> Scheduler:
        until_s = self.options.until_s
        if until_s is not None and start_s >= until_s:  # a jump past ``--until`` (a live window that moved on) feeds the
            until_s = start_s + 1e-3  # segment it lands in, whose first position ends the play; none left libmpv no stream
        config = SchedulerConfig(
            buffer_capacity_s=self.options.buffer_capacity_s, start_s=start_s, until_s=until_s,
            force_rung=self.options.force_rendition, max_height=self.max_height,
            audio_language=self.options.audio_language, live=self.live, on_screen_rung=on_screen_rung,
            carried=carried,
        )
        return Scheduler(
            presentation=self.live.presentation() if self.live else self.opened.presentation, source=self.opened.source, sink=self.feed,
            algorithm=algorithm, clock=self.clock, position=self.playhead.position_s, qoe=self.qoe,
            keys=self.opened.keys.ring, config=config, init_cache=init_cache,
        )

    @property
    def skipped(self) -> list[SegmentRef]:
        """Every segment skipped in this play, by every scheduler run (a seek or a pinned quality restarts it)."""
        return [*self._skipped_before, *self.scheduler.skipped]

    def _run(self) -> asyncio.Task[None]:
        task = asyncio.create_task(self.scheduler.run())
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self.on_failure(error)

    async def seek(self, position_s: float) -> None:
        """Inside what libmpv has cached (our buffer, up to its byte limit), libmpv seeks there and fetching
        goes on from the buffer's end; elsewhere the pipeline restarts at ``position_s``."""
        if self._requality is not None:
            self._requality.cancel()
        async with self._restarting:
            generation = self.feed.seek_cached(position_s)
            if generation is not None:
                self.playhead.restart(position_s, generation)
                return
        await self._restart_at(position_s)

    def pin(self, rung: int | None) -> None:
        """Pin the video rung (``None``: the ABR again, seamlessly, from the next segment).

        A pinned rung shows within about one segment: when media at other rungs is buffered ahead,
        it is dropped and fetching restarts at the playhead (Shaka's ``clearBuffer``).
        """
        self.scheduler.pin(rung)
        if rung is not None and self._buffered_elsewhere(rung):
            self._requality = asyncio.ensure_future(self._restart_at(None))

    def _rung_on_screen(self) -> int | None:
        """The ladder rung of the segment at the playhead (the latest fetched there), else the last fetched."""
        playhead = self.playhead.position_s()
        ids = [r.id for r in self.scheduler.ladder.renditions]
        shown = [s.rendition for s in self.qoe.ladder_segments() if s.start_s <= playhead < s.start_s + s.duration_s]
        return ids.index(shown[-1]) if shown and shown[-1] in ids else self.scheduler.current_rung

    def _buffered_elsewhere(self, rung: int) -> bool:
        ladder = self.scheduler.ladder
        wanted = ladder[ladder.clamp(rung)].id
        playhead = self.playhead.position_s()
        ahead = [s for s in self.qoe.ladder_segments() if s.start_s + s.duration_s > playhead]
        return not self.playhead.awaiting_frame and any(s.rendition != wanted for s in ahead)

    async def _restart_at(self, position_s: float | None) -> None:
        """Drop what is buffered and restart feed and fetching at ``position_s`` (``None``: the playhead then)."""
        async with self._restarting:
            at = self.playhead.position_s() if position_s is None else position_s
            on_screen = self._rung_on_screen()  # a seek keeps it when the estimate carries it (``after_seek``)
            await self.stop()
            self.playhead.restart(at, self.feed.restart(at))
            self._skipped_before += self.scheduler.skipped
            self.scheduler = self._scheduler(at, self.scheduler.abr, self.scheduler.init_cache, on_screen)
            self._task = self._run()

    async def stop(self) -> None:
        for task in (self._task, self._requality):
            if task is not None and not task.done() and task is not asyncio.current_task():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

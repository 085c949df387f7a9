"""A playback session: backend grant → manifests over the CDN pool → licence in parallel → scheduler → libmpv.

DESIGN.md "The engine's data flow". The session owns the asyncio side and the lifecycle; the parts
are elsewhere: opening (``opening``: one :class:`Opened` value), the scheduler of the current run
(``fetching``), the playhead fed by libmpv's events (``playhead``), the report (``player.qoe``).
libmpv's events arrive on its own thread and are handed to the loop with ``call_soon_threadsafe``.
One injected :class:`~player.net.clock.Clock` times everything — QoE, the pool, the scheduler, libmpv's
events — so startup and stall figures are measured on one axis.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import Coroutine, Sequence
from typing import Any

from drm_client import KeyRing
from player.backend import BackendClient, PlaybackInfo
from player.errors import PlaybackError
from player.feed.errors import playback_failure
from player.feed.events import FeedEvent
from player.feed.mpv_output import MpvOutput
from player.feed.mux_feed import MuxFeed
from player.live.playback import LivePlayback
from player.manifest import Presentation
from player.net import CdnPool, MonotonicClock
from player.net.clock import Clock
from player.net.tls import tls_context
from player.playback.fetching import Fetching
from player.playback.heartbeat import keep_alive
from player.playback.opening import Opened, open_online, opened_offline
from player.playback.options import SessionOptions
from player.playback.output_start import add_subtitles, build_output
from player.playback.playhead import Playhead
from player.playback.stats import session_stats
from player.completeness import TrackPlayed, check_complete, kind_ends, shortfalls, tracks_fed, tracks_json
from player.outside_keys import parse_key_option
from player.qoe import PauseChanged, QoeReport, QoeTracker, Seeked, SessionEnded, SessionStarted, build_report
from player.scheduling import Scheduler, main_kind, pick_audio
from player.source import SegmentSource
from player.thumbnails import ThumbnailTrack, thumbnail_track


class PlaybackSession:
    """One title or URL played from ``start`` to its end (or ``until``); ``run()`` returns the QoE report."""

    def __init__(
        self, *, target: str, options: SessionOptions | None = None, backend: BackendClient | None = None,
        manifest_urls: Sequence[str] = (), source: SegmentSource | None = None,
        presentation: Presentation | None = None, keys: KeyRing | None = None, clock: Clock | None = None,
    ) -> None:
        """Online: a catalog title with ``backend``, or ``manifest_urls``. Offline: ``source`` + ``presentation`` (+ ``keys``)."""
        self.target = target
        self.options = options or SessionOptions()
        for value in self.options.keys:  # a malformed --key is named before any request
            parse_key_option(value)
        self.backend = backend
        self.manifest_urls = tuple(manifest_urls)
        self.clock: Clock = clock or MonotonicClock()
        self.qoe = QoeTracker(target=target, opened_at=self.clock.now())
        self.playhead = Playhead(qoe=self.qoe, start_s=0.0, until_s=self.options.until_s, draining=self._draining,
                                 on_first_frame=self._first_frame_shown, next_part=lambda: self.feed.next_part() if self.feed else None)
        self.presentation = presentation
        self._offline = (presentation, source, keys) if presentation is not None and source is not None else None
        self.playback: PlaybackInfo | None = None  # the backend's grant (None: a plain URL, or offline)
        self.pool: CdnPool | None = None  # the pool of an online session (QA, tests)
        self.opened: Opened | None = None
        self.output: MpvOutput | None = None
        self.feed: MuxFeed | None = None
        self.fetching: Fetching | None = None
        self.live: LivePlayback | None = None  # a live presentation's follower and latency control
        self.paused = False
        self.started = asyncio.Event()  # set once libmpv and the scheduler run (controls work from then on)
        self._events: asyncio.Queue[FeedEvent] = asyncio.Queue()
        self._done = asyncio.Event()
        self._failure: BaseException | None = None
        self._stopped = False
        self.lost: list[str] | None = None  # what the play lost, once it ended by itself (issue 14)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._thumbnails: ThumbnailTrack | None = None

    @property
    def scheduler(self) -> Scheduler | None:
        return self.fetching.scheduler if self.fetching is not None else None

    @property
    def thumbnails(self) -> ThumbnailTrack | None:
        """The seek-bar image track for front ends (online, once opened); use it on the engine loop."""
        if self._thumbnails is None:
            self._thumbnails = thumbnail_track(self.presentation, self.pool)
        return self._thumbnails

    @property
    def first_frame_position_s(self) -> float | None:
        return self.playhead.first_frame_position_s

    # -- the whole session --------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        """Play to the end (or ``until``, or ``stop()``); returns the report as the contract's JSON."""
        loop = asyncio.get_running_loop()
        # libmpv and the TLS context take tens of ms to build: build them while the backend answers
        tls = asyncio.ensure_future(asyncio.to_thread(tls_context))
        start_at: concurrent.futures.Future[float] = concurrent.futures.Future()
        making_output = asyncio.ensure_future(asyncio.to_thread(
            build_output, self.options, self.clock.now, lambda e: self._on_mpv_event(loop, e), start_at))
        try:
            await self._grant()
            start_s = self.options.start_s if self.options.start_s is not None else (
                self.playback.resume_s if self.playback is not None else 0.0)
            self.playhead.start_s = start_s
            start_at.set_result(start_s)
            opened = self.opened = await self._open(tls)
            if opened.presentation.is_live:
                start_s = await self._open_live(opened)
            self.presentation = opened.presentation
            audio = pick_audio(opened.presentation, self.options.audio_language)
            kind = main_kind(opened.presentation)
            feed = self.feed = MuxFeed((kind, "audio") if audio else (kind,), parts=opened.streams)
            self.fetching = Fetching(  # the first requests go out while libmpv is still being built
                opened=opened, feed=feed, playhead=self.playhead, options=self.options, clock=self.clock,
                qoe=self.qoe, max_height=self.playback.max_height if self.playback else None, on_failure=self._failed,
                live=self.live.follower if self.live else None,
            )
            output, generation = await making_output
            self.output = output
            if generation is None:  # text tracks are added before the file opens
                await add_subtitles(opened, output, self.options.subtitle_language)
                generation = output.start(start_s)
            self.playhead.restart(start_s, generation)
            feed.attach(output)
            self.qoe.tell(SessionStarted(at=self.clock.now(), start_s=start_s, target=self.target,
                                         session_id=self.playback.session_id if self.playback else None))
            self._spawn(self._consume_events())
            if self.backend is not None and self.playback is not None:
                self._spawn(keep_alive(self.backend, self.playback.session_id, self.clock, self._failed))
            if self.live is not None:
                self._spawn(self.live.run(position=self.position, buffer=self._buffer_s, playing=self._playing,
                                          set_rate=lambda rate: output.set_property("speed", rate), seek=self.seek))
            self.started.set()
            await self._done.wait()
            if self._failure is not None:
                raise self._failure
            if self.playhead.end_error:
                raise playback_failure(self.playhead.end_error, video_output=self.playhead.end_video_output)
            self._check_complete()
        except Exception as exc:
            self.qoe.error(type(exc).__name__, str(exc), self.clock.now())
            raise
        finally:
            start_at.cancel()
            await self._close(making_output)
        return self.report()

    async def _grant(self) -> None:
        """Ask the backend for a playback session when the target is a catalog title."""
        if self.backend is None or self.manifest_urls or self._offline is not None:
            return
        self.playback = await self.backend.open_playback(
            self.target, fmt=self.options.fmt, device_id=self.options.device_id
        )
        self.manifest_urls = self.playback.manifests
        if self.playback.dash_ll and self.options.fmt == "dash" and self.options.low_latency is not False:
            self.manifest_urls = self.playback.dash_ll  # a live title: chunked LL-DASH unless asked not to

    async def _open(self, tls: asyncio.Future[Any]) -> Opened:
        if self._offline is not None:
            return opened_offline(*self._offline)
        opened, self.pool = await open_online(
            target=self.target, manifest_urls=self.manifest_urls, options=self.options, clock=self.clock, tls=tls,
            playback=self.playback, backend=self.backend, qoe=self.qoe,
        )
        return opened

    async def _open_live(self, opened: Opened) -> float:
        """Follow the live presentation; returns where to start. ``--until`` counts from that start."""
        from player.live.playback import open_live

        assert self.pool is not None, "live needs the network"
        self.live = await open_live(opened.presentation, self.manifest_urls, self.pool.fetch, self.clock,
                                    low_latency=self.options.low_latency)
        self.live.opened_at = self.qoe.opened_at  # latency samples on the report's time axis
        start_s = self.live.start_s
        if self.options.until_s is not None:
            self.options.until_s = self.playhead.until_s = start_s + self.options.until_s
        self.playhead.start_s = start_s
        return start_s

    def _buffer_s(self) -> float:
        return self.scheduler.buffer_s() if self.scheduler is not None else 0.0

    def _playing(self) -> bool:
        return not self.paused and self.playhead.first_frame_position_s is not None

    # -- events -------------------------------------------------------------------------------

    def _on_mpv_event(self, loop: asyncio.AbstractEventLoop, event: FeedEvent) -> None:
        with contextlib.suppress(RuntimeError):  # loop closed while libmpv shuts down
            loop.call_soon_threadsafe(self._events.put_nowait, event)

    async def _consume_events(self) -> None:
        while True:
            self.playhead.handle(await self._events.get())
            if self.playhead.done:
                self._done.set()

    def _draining(self) -> bool:
        """libmpv running dry after the last segment is the end of the stream, not a rebuffer."""
        scheduler = self.scheduler
        return scheduler is not None and scheduler.video_done and scheduler.buffer_s() < 0.5

    def _first_frame_shown(self) -> None:
        if self.scheduler is not None:
            self.scheduler.first_frame_shown()

    def _failed(self, error: BaseException) -> None:
        self._failure = error
        self._done.set()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- controls (call on the session's loop) ------------------------------------------------

    def position(self) -> float:
        """The playhead the scheduler counts from: the seek target until its first frame is out."""
        return self.playhead.position_s()

    def pause(self, paused: bool) -> None:
        self.paused = paused
        if self.output is not None:
            self.output.pause(paused)
        self.qoe.tell(PauseChanged(at=self.clock.now(), paused=paused, position_s=self.position()))

    def set_volume(self, volume: int) -> None:
        if self.output is not None:
            self.output.set_property("volume", max(0, min(100, volume)))

    def set_mute(self, muted: bool) -> None:
        if self.output is not None:
            self.output.set_property("mute", muted)

    def set_rendition(self, rung: int | None) -> None:
        """Pin the video quality (index into the ladder, lowest first), or ``None`` for Auto.

        A pinned quality shows within about one segment (the buffer ahead is dropped); Auto is seamless.
        """
        self.options.force_rendition = rung
        if self.fetching is not None:
            self.fetching.pin(rung)

    def stop(self) -> None:
        self._stopped = True
        self._done.set()

    async def seek(self, position_s: float) -> None:
        """Restart the pipeline at ``position_s``: fetching resumes at the segment holding it."""
        if self.fetching is None or self.output is None:
            raise PlaybackError("seek before the session started")
        duration = self.presentation.duration_s if self.presentation else None
        position_s = max(0.0, min(position_s, (duration or position_s) - 0.5))
        if self.live is not None:  # timeshift: inside the DVR window, and no catching up until go_live()
            window = self.live.follower.window()
            position_s = window.clamp(position_s, 2.0)
            if position_s < window.edge_s - self.live.controller.policy.target_s - 1.0:
                self.live.controller.seek_back()
        self.qoe.tell(Seeked(at=self.clock.now(), from_s=self.position(), to_s=position_s))
        await self.fetching.seek(position_s)

    async def go_live(self) -> None:
        """Back to the live edge (minus the target latency) after a timeshift."""
        if self.live is not None:
            await self.seek(self.live.controller.go_live(self.live.follower.window()))

    def stats(self) -> dict[str, Any]:
        """What a stats overlay shows ("stats for nerds"): rendition, bitrate, buffer, estimate, CDN, drops."""
        return session_stats(position_s=self.position(), presentation=self.presentation, scheduler=self.scheduler,
                             output=self.output, qoe=self.qoe, paused=self.paused,
                             forced_rung=self.options.force_rendition)

    # -- the end ------------------------------------------------------------------------------

    async def _close(self, making_output: asyncio.Future[tuple[MpvOutput, int | None]]) -> None:
        if self.fetching is not None:
            await self.fetching.stop()
        self.qoe.tell(SessionEnded(at=self.clock.now(), position_s=self.playhead.last_position_s,
                                   played_s=round(self.playhead.played_s, 3),
                                   completed=self._failure is None and self.playhead.end_error is None))
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.output is None:
            with contextlib.suppress(BaseException):
                (await making_output)[0].close()
        if self.live is not None:
            await self.live.follower.aclose()
        if self.opened is not None:
            await self.opened.aclose()
        if self.output is not None:
            self.output.close()
        if self.backend is not None and self.playback is not None:
            with contextlib.suppress(Exception):
                await self.backend.end_playback(self.playback.session_id)

    def tracks_played(self) -> list[TrackPlayed]:
        """Each track as it reached the feed: codec, language, how far it was fed."""
        return [] if self.feed is None else tracks_fed(self.feed.remuxers(), self.presentation, self.options)

    def _check_complete(self) -> None:
        """A play that ended by itself must have played everything, else a named IncompletePlay (issue 14):
        stopped short of the end (beyond half a segment), a track lost midway, or segments skipped."""
        scheduler, presentation = self.scheduler, self.presentation
        if self._stopped or presentation is None or scheduler is None:
            return
        end_s = self.options.until_s or presentation.duration_s
        if end_s is None:
            return
        tracks = self.tracks_played()
        reached = self.playhead.last_position_s or self.playhead.start_s
        if self.playhead.reached_eof and tracks:  # time-pos events are coalesced; eof means all fed was shown
            reached = max(reached, min(t.fed_until_s for t in tracks))
        self.lost = shortfalls(end_s=end_s, reached_s=reached, segment_s=scheduler.segment_duration_s,
                               tracks=tracks, skipped=scheduler.skipped,
                               parts=self.opened.parts if self.opened is not None else (),
                               track_ends=kind_ends(self.opened.streams, end_s) if self.opened is not None else {})
        check_complete(self.lost)

    def report(self) -> dict[str, Any]:
        """The QoE report as front ends write it (DESIGN.md contract): the typed report, serialised."""
        report = self.qoe_report().to_json()
        if self.live is not None:
            report.update(self.live.report())
        return report

    def qoe_report(self) -> QoeReport:
        scheduler = self.scheduler
        return build_report(
            self.qoe, self.clock.now(), start_s=self.playhead.start_s, decoder_errors=self.playhead.decoder_errors,
            algorithm=scheduler.abr.algorithm.name if scheduler else None,
            pool_failovers=self.opened.failovers() if self.opened is not None and self.pool is not None else None,
            requests=self.opened.requests.records if self.opened is not None else (), notices=self.playhead.notices,
            duration_s=self.presentation.duration_s if self.presentation else None,
            complete=self.lost == [] if self.lost is not None else False,
            tracks=tuple(tracks_json(self.tracks_played())),
        )

"""A playback session: backend grant → manifests over the CDN pool → licence in parallel → scheduler → libmpv.

DESIGN.md "The engine's data flow". The session owns the asyncio side and the lifecycle; the parts
are elsewhere: opening (``opening``: one :class:`Opened` value), the running play (``running``: libmpv,
the feed and the scheduler's run, all present once it exists), the playhead fed by libmpv's events
(``playhead``), what the play lost and its report (``play_report``, ``player.qoe``), the stats overlay
(``stats``). libmpv's events arrive on its own thread and are handed to the loop with
``call_soon_threadsafe``. One injected :class:`~player.net.clock.Clock` times everything — QoE, the
pool, the scheduler, libmpv's events — so startup and stall figures are measured on one axis.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import Coroutine, Sequence
from typing import Any

from drm_client import KeyRing
from player.backend import BackendClient, PlaybackInfo
from player.completeness import TrackPlayed, check_complete
from player.errors import NegativeStartNotLive, StartPastEnd, UntilNotAfterStart
from player.feed.errors import playback_failure
from player.feed.events import FeedEvent
from player.feed.mpv_output import MpvOutput
from player.feed.mux_feed import MuxFeed
from player.manifest import Presentation
from player.net import CdnPool, MonotonicClock, redact
from player.net.clock import Clock
from player.net.tls import tls_context
from player.outside_keys import parse_key_option
from player.playback.controls import SessionControls
from player.playback.heartbeat import keep_alive
from player.playback.opening import Opened, ask_grant, open_online, opened_offline
from player.playback.options import SessionOptions
from player.playback.output_start import build_output
from player.playback.play_report import lost_by, play_report, tracks_of
from player.playback.progress_watch import Moves, watch_progress
from player.playback.playhead import Playhead
from player.playback.running import RunningPlay, start_play
from player.playback.throughput_memory import ThroughputMemory
from player.qoe import QoeReport, QoeTracker, SessionEnded, SessionStarted
from player.scheduling import Scheduler
from player.scheduling.start_pick import Carried
from player.source import SegmentSource
from player.thumbnails import ThumbnailTrack, thumbnail_track


class PlaybackSession(SessionControls):
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
        self.qoe = QoeTracker(target=redact(target), opened_at=self.clock.now())  # reports and telemetry: no token
        self.playhead = Playhead(qoe=self.qoe, start_s=0.0, until_s=self.options.until_s, draining=self._draining,
                                 on_first_frame=self._first_frame_shown,
                                 next_part=lambda: self.running.feed.next_part() if self.running else None)
        self.presentation = presentation
        self._offline = (presentation, source, keys) if presentation is not None and source is not None else None
        self.playback: PlaybackInfo | None = None  # the backend's grant (None: a plain URL, or offline)
        self.pool: CdnPool | None = None  # the pool of an online session (QA, tests)
        self.running: RunningPlay | None = None  # the play's parts, once it runs
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
    def output(self) -> MpvOutput | None:
        """libmpv of the running play (front ends set subtitle properties on it)."""
        return self.running.output if self.running is not None else None

    @property
    def feed(self) -> MuxFeed | None:
        """The running play's feed into libmpv (tests read what reached it)."""
        return self.running.feed if self.running is not None else None

    @property
    def scheduler(self) -> Scheduler | None:
        return self.running.scheduler if self.running is not None else None

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
        async with contextlib.AsyncExitStack() as closing:  # closed in reverse: the play, then the grant
            closing.push_async_callback(self._end_grant)
            closing.push_async_callback(_close_output, making_output)
            closing.callback(self._ended)
            closing.callback(start_at.cancel)
            closing.push_async_callback(self._remember_link)  # runs once fetching has stopped
            try:
                if self.backend is not None and not self.manifest_urls and self._offline is None:  # a catalog title
                    self.playback, self.manifest_urls = await ask_grant(self.backend, self.target, self.options)
                asked = self.options.start_s
                self.playhead.start_s = asked if asked is not None else (
                    self.playback.resume_s if self.playback is not None and self.options.resume else 0.0)
                if asked is None or asked >= 0:  # a negative start counts back from a live edge not yet known
                    start_at.set_result(self.playhead.start_s)
                opened = await self._open(tls)
                closing.push_async_callback(opened.aclose)
                self.presentation = opened.presentation
                _check_start(asked, opened.presentation)
                _check_until(self.options.until_s, self.playhead.start_s, opened.presentation)
                running = self.running = await start_play(
                    opened=opened, options=self.options, clock=self.clock, qoe=self.qoe, playhead=self.playhead,
                    making_output=making_output, max_height=self.playback.max_height if self.playback else None,
                    manifest_urls=self.manifest_urls, fetch=self.pool.fetch if self.pool else None,
                    on_failure=self._failed, carried=self._recall_link(),
                    started_at=lambda s: None if start_at.done() else start_at.set_result(s),
                )
                closing.push_async_callback(running.aclose)
                closing.push_async_callback(self._cancel_tasks)
                await self._play(running)
            except Exception as exc:
                self.qoe.error(type(exc).__name__, str(exc), self.clock.now())
                raise
        return self.report()

    async def _play(self, running: RunningPlay) -> None:
        """From the first request to the end: events, heartbeat, live latency; raises what ended it early."""
        self.qoe.tell(SessionStarted(at=self.clock.now(), start_s=self.playhead.start_s, target=self.qoe.target,
                                     session_id=self.playback.session_id if self.playback else None))
        self._spawn(self._consume_events())
        if self.backend is not None and self.playback is not None:
            self._spawn(keep_alive(self.backend, self.playback.session_id, self.clock, self._failed))
        if running.live is not None:
            self._spawn(running.live.run(position=self.position, buffer=lambda: running.scheduler.buffer_s(),
                                         playing=self._playing, stalled=self.qoe.rebuffering, seek=self.seek,
                                         set_rate=lambda rate: running.output.set_property("speed", rate)))
            if running.text is not None:
                from player.playback.live_text import follow_text  # the live side loads only for live plays

                self._spawn(follow_text(running.live.follower, running.text, running.output))
        self._spawn(self._watch_progress(running))
        self.started.set()
        await self._done.wait()
        if self._failure is not None:
            raise self._failure
        error = self.playhead.end_error
        whole = None if self._stopped else self.presentation  # ended by itself, it must have played all of it
        if error and (self.playhead.end_video_output or not running.fetching.skipped or whole is None):
            raise playback_failure(error, video_output=self.playhead.end_video_output)
        if whole is not None:
            self.lost = lost_by(running, self.playhead, whole, until_s=self.options.until_s,
                                chosen=self.options)
            if error:  # libmpv gave up on what skipped segments left it ("unrecognized file format" when all were
                # missing): the skips are the cause and lead the error; libmpv's words follow them
                self.lost = [*(self.lost or ()), f"libmpv ended with an error: {error}"]
            check_complete(self.lost or ())

    async def _watch_progress(self, running: RunningPlay) -> None:
        """End the play with ``PlaybackStuck`` once nothing moves in it (``progress_watch``); a live play
        gives its manifest's freeze rule (``LiveStreamStopped``, the better name for it) time to speak first."""
        def limit() -> float:
            return self.options.stuck_after_s + (running.live.follower.frozen_limit_s() if running.live else 0.0)

        def sample() -> Moves:
            return Moves(position_s=self.playhead.last_position_s, generation=self.playhead.generation,
                         media_heard=self.pool.media_heard if self.pool else 0,
                         segments_fed=len(self.qoe.segments) + self.qoe.segments_dropped)

        def where() -> str:
            waiting = " waiting for its first frame" if self.playhead.awaiting_frame else ""
            return (f"the playhead stood at {self.playhead.position_s():.1f} s{waiting} with "
                    f"{running.scheduler.buffer_s():.1f} s buffered")

        # a licence exchange in flight (not a media request, bounded by its own retries) holds the count like a pause
        await watch_progress(self.clock, limit, sample, lambda: self.paused or running.opened.keys.pending(), where)

    async def _open(self, tls: asyncio.Future[Any]) -> Opened:
        if self._offline is not None:
            return opened_offline(*self._offline)
        opened, self.pool = await open_online(
            target=self.target, manifest_urls=self.manifest_urls, options=self.options, clock=self.clock, tls=tls,
            playback=self.playback, backend=self.backend, qoe=self.qoe,
        )
        return opened

    def _link(self) -> tuple[ThroughputMemory, str] | None:
        """Where this play's throughput estimate is kept, and the URL of its origin; None: not kept (no
        memory given, offline, or QA's emulated link, which is not the viewer's)."""
        memory, urls, cdn = self.options.throughput_memory, self.manifest_urls, self.options.force_cdn
        if memory is None or not urls or self._offline is not None or self.options.wrap_transport is not None:
            return None
        return memory, urls[cdn if cdn is not None and 0 <= cdn < len(urls) else 0]

    def _recall_link(self) -> Carried | None:
        link = self._link()
        return None if link is None else link[0].recall(link[1])

    async def _remember_link(self) -> None:
        """Keep the play's last estimate for the next play on this origin (``throughput_memory``)."""
        link = self._link()
        estimate = self.running.scheduler.estimate() if self.running is not None else None
        if link is not None and estimate is not None:
            with contextlib.suppress(OSError):  # only a head start: a full disk must not fail the play
                await asyncio.to_thread(link[0].remember, link[1], estimate.kbps, estimate.age_s)

    def _playing(self) -> bool:
        """Showing frames: not paused, and not waiting for a start's or a seek's first one (the position then
        stands at the target while the window moves on: a slow restart on DASH counted as a stall, and jumped)."""
        return not self.paused and not self.playhead.awaiting_frame

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
        return self.running is not None and self.running.draining()

    def _first_frame_shown(self) -> None:
        if self.running is not None:
            self.running.scheduler.first_frame_shown()

    def _failed(self, error: BaseException) -> None:
        self._failure = error
        self._done.set()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` beside the play; if it fails, the play fails with its error (a dead event
        consumer or latency controller would otherwise leave the play hanging, or silently uncontrolled)."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._side_task_ended)

    def _side_task_ended(self, task: asyncio.Task[Any]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self._failed(error)

    def stop(self) -> None:
        """End the play now (not a failure: the report says how far it got)."""
        self._stopped = True
        self._done.set()

    # -- the end ------------------------------------------------------------------------------

    def _ended(self) -> None:
        self.qoe.tell(SessionEnded(at=self.clock.now(), position_s=self.playhead.last_position_s,
                                   played_s=round(self.playhead.played_s, 3),
                                   completed=self._failure is None and self.playhead.end_error is None))

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _end_grant(self) -> None:
        if self.backend is not None and self.playback is not None:
            with contextlib.suppress(Exception):
                await self.backend.end_playback(self.playback.session_id)

    def tracks_played(self) -> list[TrackPlayed]:
        """Each track as it reached the feed: codec, language, how far it was fed."""
        return tracks_of(self.running, self.presentation, self.options)

    def report(self) -> dict[str, Any]:
        """The QoE report as front ends write it (DESIGN.md contract): the typed report, serialised."""
        report = self.qoe_report().to_json()
        if self.running is not None and self.running.live is not None:
            report.update(self.running.live.report())
        return report

    def qoe_report(self) -> QoeReport:
        return play_report(qoe=self.qoe, now=self.clock.now(), playhead=self.playhead, running=self.running,
                           pool=self.pool, presentation=self.presentation, lost=self.lost,
                           chosen=self.options)


def _check_start(start_s: float | None, presentation: Presentation) -> None:
    """A start asked for past the end is named before libmpv gets a stream it cannot open, and so is a negative
    one on a title that is not live (it counts back from a live edge; a live start is checked against the DVR
    window once it is followed: ``player.live.window.asked_start``)."""
    end = presentation.duration_s
    if start_s is not None and start_s < 0 and not presentation.is_live:
        raise NegativeStartNotLive(f"the start position {start_s:g} s counts back from a live edge, but this title is "
                                   "not live: seconds must be 0 or more")
    if start_s is not None and end is not None and not presentation.is_live and start_s >= end:
        raise StartPastEnd(f"the start position {start_s:g} s is past the end of the title ({end:g} s)")


def _check_until(until_s: float | None, start_s: float, presentation: Presentation) -> None:
    """``--until`` at or before the start (asked for or resumed) of a title that is not live leaves nothing to play:
    named before libmpv gets an empty stream. A live one counts from the start (``running._open_live``)."""
    if until_s is not None and not presentation.is_live and until_s <= start_s:
        raise UntilNotAfterStart(f"--until {until_s:g} is at or before the start ({start_s:g} s)")


async def _close_output(making_output: asyncio.Future[tuple[MpvOutput, int | None]]) -> None:
    """Close libmpv, once it is built (it may still be building when the session fails early)."""
    with contextlib.suppress(BaseException):
        (await making_output)[0].close()

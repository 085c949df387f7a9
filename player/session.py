"""A playback session: backend grant → manifests over the CDN pool → licence in parallel → scheduler → libmpv.

DESIGN.md "The engine's data flow". The session owns the asyncio side; libmpv's events arrive on
its own thread and are handed to the loop with ``call_soon_threadsafe``. Time for QoE comes from
one monotonic clock shared with :class:`~player.feed.mpv_output.MpvOutput`, so startup and stall
figures are measured on the same axis.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from abr.metrics import SessionResult
from abr.session import AbrSession
from abr.state import Algorithm
from drm_client import KeyRing, acquire_keys
from player.backend_client import BackendClient, PlaybackInfo
from player.errors import PlaybackError
from player.feed.events import EndOfFile, FeedEvent, FirstFrame, LogProblem, PositionChanged, StallChanged
from player.feed.mpv_output import MpvOutput
from player.manifest import Presentation, load_presentation_multi
from player.mux_feed import MuxFeed
from player.net import CdnPool, HttpTransport, MonotonicClock, RequestKind, RequestRecord, Transport, redact
from player.net.tls import tls_context
from player.qoe import QoeTracker
from player.scheduler import Scheduler, SchedulerConfig, pick_audio
from player.source import CdnSource, SegmentSource
from player.subtitles import load_text_track

HEARTBEAT_S = 20.0


def make_algorithm(name: str | None) -> Algorithm:
    """The ABR algorithm by name; ``None`` gives the default — the same class the simulator measures."""
    from abr.algorithms import by_name, default_algorithm

    return default_algorithm() if name is None else by_name(name)


@dataclass(kw_only=True)
class SessionOptions:
    abr: str | None = None
    start_s: float | None = None  # None: the backend's resume point (0 for a plain URL)
    until_s: float | None = None
    fmt: str = "dash"
    force_cdn: int | None = None
    force_rendition: int | None = None
    buffer_capacity_s: float = 30.0
    vo: str = "null"
    ao: str = "null"
    mpv_options: dict[str, Any] = field(default_factory=dict)
    device_id: str | None = None
    audio_language: str | None = None
    subtitle_language: str | None = None  # None: no subtitles (a text track costs fast-start probing)
    # QA (issue 9): wraps the HTTP transport every pool request goes through, e.g. player.shaping's emulation
    wrap_transport: Callable[[Transport], Transport] | None = None


class PlaybackSession:
    """One title or URL played from ``start`` to its end (or ``until``); ``run()`` returns the QoE report."""

    def __init__(
        self,
        *,
        target: str,
        options: SessionOptions | None = None,
        backend: BackendClient | None = None,
        manifest_urls: Sequence[str] = (),
        source: SegmentSource | None = None,
        presentation: Presentation | None = None,
        keys: KeyRing | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.options = options or SessionOptions()
        self.backend = backend
        self.manifest_urls = tuple(manifest_urls)
        self.clock = clock
        self.qoe = QoeTracker(target=target, opened_at=clock())
        self.playback: PlaybackInfo | None = None
        self.presentation = presentation
        self.pool: CdnPool | None = None
        self._source = source
        self._offline_keys = keys
        self.output: MpvOutput | None = None
        self.scheduler: Scheduler | None = None
        self._events: asyncio.Queue[FeedEvent] = asyncio.Queue()
        self._done = asyncio.Event()
        self.started = asyncio.Event()  # set once libmpv and the scheduler run (controls work from then on)
        self._end_error: str | None = None
        self._failure: BaseException | None = None
        self._feed: MuxFeed | None = None
        self._fetching: asyncio.Task[None] | None = None
        self._keys: asyncio.Task[KeyRing] | None = None
        self._generation = 0
        self._first_frame: asyncio.Event | None = None  # the scheduler holds later segments until it is set
        self._awaiting_frame = True
        self._last_position: float | None = None
        self.played_s = 0.0
        self.first_frame_position_s: float | None = None  # where the last start or seek showed its first frame
        self.paused = False
        self.decoder_errors = 0
        self.start_s = 0.0

    # -- opening ----------------------------------------------------------------------------

    async def _grant(self) -> None:
        """Ask the backend for a playback session when the target is a catalog title."""
        if self.backend is None or self.manifest_urls or self._source is not None:
            return
        self.playback = await self.backend.open_playback(
            self.target, fmt=self.options.fmt, device_id=self.options.device_id
        )
        self.manifest_urls = self.playback.manifests

    async def _load(self, transport: Transport) -> None:
        if self.presentation is not None and self._source is not None:
            return
        if not self.manifest_urls:
            raise PlaybackError("nothing to play: no manifest URL")
        self.pool = CdnPool(
            self.manifest_urls, transport, MonotonicClock(), force_cdn=self.options.force_cdn,
            session_id=self.playback.session_id if self.playback else None,
            content_id=self.target[:64],
        )
        self.presentation = await load_presentation_multi(list(self.manifest_urls), self.pool.fetch)
        if self.presentation.is_live:
            raise PlaybackError("live presentations parse but are not played yet")
        self._source = CdnSource(self.pool)

    async def _license(self) -> KeyRing:
        assert self.playback is not None and self.backend is not None and self.presentation is not None
        kids = list(self.playback.kids) or list(self.presentation.default_kids())
        started = self.clock()
        try:
            ring = await acquire_keys(
                self.playback.license_url or "", kids, token=self.backend.access_token,
                session_id=self.playback.session_id, client=self.backend.http,
            )
        except Exception as exc:
            self._log_licence(started, exc)
            raise
        self._log_licence(started, None)
        self.qoe.license_acquired(ring.license_ms / 1000.0)
        return ring

    def _log_licence(self, started: float, error: Exception | None) -> None:
        """The licence exchange as a row of the request log (QA, issue 9): CDN -1, outside the pool."""
        if self.pool is None or self.playback is None:
            return
        self.pool.log.add(RequestRecord(
            kind=RequestKind.LICENCE, cdn=-1, url=redact(self.playback.license_url or ""),
            status=getattr(error, "status", None) if error else 200, bytes=0, ttfb_s=None,
            duration_s=self.clock() - started, retries=0, at_s=started,
            error=None if error is None else f"{type(error).__name__}: {error}",
        ))

    def _keys_task(self) -> asyncio.Task[KeyRing] | None:
        if self._offline_keys is not None:
            ring = self._offline_keys

            async def offline() -> KeyRing:
                return ring

            return asyncio.ensure_future(offline())
        if self.playback is not None and self.playback.protected and self.playback.license_url:
            return asyncio.ensure_future(self._license())
        return None

    async def _add_subtitles(self) -> None:
        wanted = self.options.subtitle_language
        if not wanted or self.presentation is None or self._source is None or self.output is None:
            return
        track = next((t for t in self.presentation.text_tracks() if t.language == wanted and t.renditions), None)
        if track is None:
            return
        text = await load_text_track(track.renditions[0], self._source)
        self.output.add_subtitles(text, title=track.label or wanted, lang=wanted)

    def languages(self) -> dict[str, list[str]]:
        """Audio and subtitle languages the presentation offers (for the title page and the player menu)."""
        if self.presentation is None:
            return {"audio": [], "subtitles": []}
        return {
            "audio": [t.language or "und" for t in self.presentation.audio_tracks()],
            "subtitles": [t.language or "und" for t in self.presentation.text_tracks()],
        }

    # -- events from libmpv -------------------------------------------------------------------

    def _on_mpv_event(self, loop: asyncio.AbstractEventLoop, event: FeedEvent) -> None:
        with contextlib.suppress(RuntimeError):  # loop closed while libmpv shuts down
            loop.call_soon_threadsafe(self._events.put_nowait, event)

    def _handle(self, event: FeedEvent) -> None:
        if isinstance(event, FirstFrame):
            if event.generation != self._generation:
                return  # the file a seek replaced: its first frame says nothing about the new one
            self.qoe.first_frame(event.at)
            self.first_frame_position_s = event.position_s
            self._awaiting_frame = False
            if self._first_frame is not None:
                self._first_frame.set()
        elif isinstance(event, StallChanged):
            if not event.stalled:
                self.qoe.stall_end(event.at)
            elif not self._awaiting_frame and not self._draining():
                self.qoe.stall_start(event.at)
        elif isinstance(event, PositionChanged):
            self._advance(event.position_s)
        elif isinstance(event, LogProblem):
            self.decoder_errors += int(event.decoder)
        elif isinstance(event, EndOfFile) and event.generation == self._generation:
            if event.reason == "error":
                self._end_error = event.error or "libmpv could not play the stream"
            if event.reason in ("eof", "error", "quit"):
                self._done.set()

    def _draining(self) -> bool:
        """libmpv running dry after the last segment is the end of the stream, not a rebuffer."""
        return self.scheduler is not None and self.scheduler.video_done and self.scheduler.buffer_s() < 0.5

    def _advance(self, position_s: float) -> None:
        """Count media time actually played (a seek jumps without playing the gap)."""
        if self._last_position is not None and 0.0 < position_s - self._last_position < 1.5:
            self.played_s += position_s - self._last_position
            self.qoe.position(self.played_s)
        if self._last_position is None or int(position_s) != int(self._last_position):
            self.qoe.note("position", None, position_s=position_s)
        self._last_position = position_s
        until = self.options.until_s
        if until is not None and position_s >= until:
            self._done.set()

    async def _consume_events(self) -> None:
        while True:
            self._handle(await self._events.get())

    async def _heartbeat(self) -> None:
        assert self.backend is not None and self.playback is not None
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            with contextlib.suppress(Exception):
                await self.backend.heartbeat(self.playback.session_id)

    # -- controls (call on the session's loop) ------------------------------------------------

    def position(self) -> float | None:
        """The playhead the scheduler counts from: the seek target until its first frame is out."""
        if self._awaiting_frame or self.output is None:
            return self.start_s
        return self.output.position_s

    def pause(self, paused: bool) -> None:
        self.paused = paused
        if self.output is not None:
            self.output.pause(paused)
        self.qoe.note("pause", self.clock(), paused=paused, position_s=self.position())

    def set_volume(self, volume: int) -> None:
        if self.output is not None:
            self.output.set_property("volume", max(0, min(100, volume)))

    def set_mute(self, muted: bool) -> None:
        if self.output is not None:
            self.output.set_property("mute", muted)

    def set_rendition(self, rung: int | None) -> None:
        """Pin the video quality (index into the ladder, lowest first), or ``None`` for Auto; applies from the next segment."""
        self.options.force_rendition = rung
        if self.scheduler is not None:
            self.scheduler.config.force_rung = rung

    def stop(self) -> None:
        self._done.set()

    async def seek(self, position_s: float) -> None:
        """Restart the pipeline at ``position_s``: fetching resumes at the segment holding it."""
        if self.output is None or self.scheduler is None or self._feed is None:
            raise PlaybackError("seek before the session started")
        duration = self.presentation.duration_s if self.presentation else None
        position_s = max(0.0, min(position_s, (duration or position_s) - 0.5))
        await self._stop_fetching()
        self.qoe.note("seek", self.clock(), from_s=self.position(), to_s=position_s)
        self.start_s = position_s
        self._awaiting_frame = True
        self._last_position = None
        self._generation = self._feed.restart(position_s)
        self._start_fetching(abr=self.scheduler.abr)

    def stats(self) -> dict[str, Any]:
        """What a stats overlay shows ("stats for nerds"): rendition, bitrate, buffer, estimate, CDN, drops."""
        sched, out = self.scheduler, self.output
        rung = sched.current_rung if sched else None
        rendition = sched.ladder[rung] if sched is not None and rung is not None else None
        video = self.qoe.video_segments()
        return {
            "position_s": self.position(),
            "duration_s": self.presentation.duration_s if self.presentation else None,
            "buffer_s": sched.buffer_s() if sched else 0.0,
            "buffered_until_s": sched.buffered_until_s if sched else None,
            "rendition": rendition.id if rendition else None,
            "width": out.video_size[0] if out and out.video_size else None,
            "height": out.video_size[1] if out and out.video_size else None,
            "bitrate_kbps": rendition.bandwidth / 1000.0 if rendition else None,
            "throughput_kbps": sched.abr.tracker.throughput_kbps if sched else None,
            "cdn": video[-1].cdn if video else None,
            "dropped_frames": (out.property("frame-drop-count") if out else None) or 0,
            "paused": self.paused,
            "forced_rung": self.options.force_rendition,
            "ladder": [
                {"rung": i, "height": r.height, "bitrate_kbps": r.bandwidth / 1000.0}
                for i, r in enumerate(sched.ladder)
            ] if sched else [],
        }

    # -- the whole session --------------------------------------------------------------------

    def _start_fetching(self, *, abr: AbrSession | None = None) -> None:
        assert self.presentation is not None and self._source is not None and self._feed is not None
        config = SchedulerConfig(
            buffer_capacity_s=self.options.buffer_capacity_s, start_s=self.start_s, until_s=self.options.until_s,
            force_rung=self.options.force_rendition,
            max_height=self.playback.max_height if self.playback else None,
            audio_language=self.options.audio_language,
        )
        self._first_frame = asyncio.Event()
        self.scheduler = Scheduler(
            presentation=self.presentation, source=self._source, sink=self._feed,
            algorithm=abr or make_algorithm(self.options.abr), clock=self.clock, position=self.position,
            qoe=self.qoe, keys=self._keys, config=config,
            session_id=self.playback.session_id if self.playback else None, first_frame=self._first_frame,
            init_cache=self.scheduler.init_cache if self.scheduler is not None else None,
        )
        self._fetching = asyncio.create_task(self.scheduler.run())
        self._fetching.add_done_callback(self._fetching_ended)

    def _fetching_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._failure = task.exception()
            self._done.set()

    async def _stop_fetching(self) -> None:
        if self._fetching is not None and not self._fetching.done():
            self._fetching.cancel()
            await asyncio.gather(self._fetching, return_exceptions=True)

    async def run(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Task[Any]] = []
        transport: HttpTransport | None = None
        # libmpv and the TLS context take tens of ms to build: build them while the backend answers
        tls = asyncio.ensure_future(asyncio.to_thread(tls_context))
        start_at: concurrent.futures.Future[float] = concurrent.futures.Future()
        making_output = asyncio.ensure_future(asyncio.to_thread(self._open_output, loop, start_at))
        try:
            await self._grant()
            if self.options.start_s is not None:
                self.start_s = self.options.start_s
            elif self.playback is not None:
                self.start_s = self.playback.resume_s
            start_at.set_result(self.start_s)
            transport = HttpTransport(clock=MonotonicClock(), tls=await tls)
            await self._load(self.options.wrap_transport(transport) if self.options.wrap_transport else transport)
            assert self.presentation is not None and self._source is not None
            self._keys = self._keys_task()
            audio = pick_audio(self.presentation, self.options.audio_language)
            self._feed = MuxFeed(("video", "audio") if audio else ("video",))
            self._start_fetching()  # the first requests go out while libmpv is still being built
            self.output, generation = await making_output
            if generation is None:  # text tracks are added before the file opens
                await self._add_subtitles()
                generation = self.output.start(self.start_s)
            self._generation = generation
            self._feed.attach(self.output)
            self.qoe.note("start", self.clock(), start_s=self.start_s, target=self.target,
                          session_id=self.playback.session_id if self.playback else None)
            tasks.append(asyncio.create_task(self._consume_events()))
            if self.backend is not None and self.playback is not None:
                tasks.append(asyncio.create_task(self._heartbeat()))
            self.started.set()
            await self._done.wait()
            if self._failure is not None:
                raise self._failure
            if self._end_error:
                raise PlaybackError(self._end_error)
        except Exception as exc:
            self.qoe.error(type(exc).__name__, str(exc), self.clock())
            raise
        finally:
            start_at.cancel()
            await self._stop_fetching()
            self.qoe.note("end", self.clock(), position_s=self._last_position, played_s=round(self.played_s, 3),
                          completed=self._failure is None and self._end_error is None)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.output is None:
                with contextlib.suppress(BaseException):
                    (await making_output)[0].close()
            await self._close(transport)
        return self.report()

    def _open_output(
        self, loop: asyncio.AbstractEventLoop, start_at: concurrent.futures.Future[float]
    ) -> tuple[MpvOutput, int | None]:
        """Build libmpv and open the stream (off the loop); returns the output and the file's generation.

        The file is opened here, as soon as the grant says where playback starts, so that libmpv is
        already waiting on the stream when the first remuxed bytes arrive (opening it from the loop
        came 4 ms later: the loop is busy with the first responses). With a text track the loop
        opens it, after the track is added (generation ``None``).
        """
        output = MpvOutput(
            vo=self.options.vo, ao=self.options.ao, clock=self.clock,
            on_event=lambda e: self._on_mpv_event(loop, e), options=self.options.mpv_options,
        )
        if self.options.subtitle_language:
            return output, None
        try:
            start_s = start_at.result()
        except concurrent.futures.CancelledError:  # the session ended before it knew where to start
            return output, None
        try:
            return output, output.start(start_s)
        except BaseException:  # nobody else holds the output yet
            output.close()
            raise

    async def _close(self, transport: HttpTransport | None) -> None:
        if self._keys is not None:
            self._keys.cancel()
            with contextlib.suppress(BaseException):
                (await self._keys).clear()
        if self.output is not None:
            self.output.close()
        if self.pool is not None:
            await self.pool.aclose()
        if transport is not None:
            await transport.aclose()
        if self.backend is not None and self.playback is not None:
            with contextlib.suppress(Exception):
                await self.backend.end_playback(self.playback.session_id)

    def report(self) -> dict[str, Any]:
        now = self.clock()
        report = self.qoe.report(now)
        video = self.qoe.video_segments()
        if video:
            result = SessionResult(
                trace=self.target, bitrates_kbps=tuple(s.bitrate_kbps for s in video),
                rungs=tuple(hash(s.rendition) for s in video), stall_s=self.qoe.rebuffer_s(now),
                stall_events=len(self.qoe.rebuffers), startup_s=(report["startup_ms"] or 0) / 1000.0,
                total_s=max(now - self.qoe.opened_at, 1e-9),
            )
            report["qoe_lin"] = round(result.qoe_lin, 4)
        else:
            report["qoe_lin"] = None
        report["decoder_errors"] = self.decoder_errors
        if self.pool is not None:  # the pool sees every request's failovers, manifests included
            report["cdn_failovers"] = self.pool.failovers
        report["algorithm"] = self.scheduler.abr.algorithm.name if self.scheduler else None
        report["emergency_downswitches"] = self.scheduler.emergency_downswitches if self.scheduler else 0
        report["start_s"] = self.start_s
        report["requests"] = [_record_dict(r, self.qoe.opened_at) for r in self.pool.records] if self.pool else []
        return report


def _record_dict(record: Any, origin: float) -> dict[str, Any]:
    out = asdict(record)
    out["kind"] = str(out.get("kind"))
    out["t_s"] = round(out["at_s"] - origin, 3)  # seconds since the session opened (the segments' ``at_s`` axis)
    return out

"""A playback session: backend grant → manifests over the CDN pool → licence in parallel → scheduler → libmpv.

DESIGN.md "The engine's data flow". The session owns the asyncio side; libmpv's events arrive on
its own thread and are handed to the loop with ``call_soon_threadsafe``. Time for QoE comes from
one monotonic clock shared with :class:`~player.feed.mpv_output.MpvOutput`, so startup and stall
figures are measured on the same axis.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from abr.metrics import SessionResult
from abr.state import Algorithm
from drm_client import KeyRing, acquire_keys
from player.backend_client import BackendClient, PlaybackInfo
from player.errors import PlaybackError
from player.feed.events import EndOfFile, FeedEvent, FirstFrame, LogProblem, PositionChanged, StallChanged
from player.feed.mpv_output import MpvOutput
from player.manifest import Presentation, load_presentation_multi
from player.mux_feed import MuxFeed
from player.net import CdnPool, HttpTransport, MonotonicClock
from player.qoe import QoeTracker
from player.scheduler import Scheduler, SchedulerConfig, pick_audio
from player.source import CdnSource, SegmentSource

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
        self._end_error: str | None = None
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

    async def _load(self, transport: HttpTransport) -> None:
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
        ring = await acquire_keys(
            self.playback.license_url or "", kids, token=self.backend.access_token,
            session_id=self.playback.session_id,
        )
        self.qoe.license_acquired(ring.license_ms / 1000.0)
        return ring

    def _keys_task(self) -> asyncio.Task[KeyRing] | None:
        if self._offline_keys is not None:
            ring = self._offline_keys

            async def offline() -> KeyRing:
                return ring

            return asyncio.ensure_future(offline())
        if self.playback is not None and self.playback.protected and self.playback.license_url:
            return asyncio.ensure_future(self._license())
        return None

    # -- events from libmpv -------------------------------------------------------------------

    def _on_mpv_event(self, loop: asyncio.AbstractEventLoop, event: FeedEvent) -> None:
        with contextlib.suppress(RuntimeError):  # loop closed while libmpv shuts down
            loop.call_soon_threadsafe(self._events.put_nowait, event)

    async def _consume_events(self) -> None:
        until = self.options.until_s
        while True:
            event = await self._events.get()
            if isinstance(event, FirstFrame):
                self.qoe.first_frame(event.at)
            elif isinstance(event, StallChanged):
                if event.stalled and not (self.scheduler and self.scheduler._video.done and self.scheduler.buffer_s() < 0.5):
                    self.qoe.stall_start(event.at)
                elif not event.stalled:
                    self.qoe.stall_end(event.at)
            elif isinstance(event, PositionChanged):
                self.qoe.position(event.position_s - self.start_s)
                if until is not None and event.position_s >= until:
                    self._done.set()
            elif isinstance(event, LogProblem):
                if event.decoder:
                    self.decoder_errors += 1
            elif isinstance(event, EndOfFile) and event.reason in ("eof", "error", "stop", "quit"):
                if event.reason == "error":
                    self._end_error = event.error or "libmpv could not play the stream"
                self._done.set()

    async def _heartbeat(self) -> None:
        assert self.backend is not None and self.playback is not None
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            with contextlib.suppress(Exception):
                await self.backend.heartbeat(self.playback.session_id)

    # -- the whole session --------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        transport = HttpTransport(clock=MonotonicClock())
        tasks: list[asyncio.Task[Any]] = []
        keys_task: asyncio.Task[KeyRing] | None = None
        try:
            await self._grant()
            await self._load(transport)
            assert self.presentation is not None and self._source is not None
            keys_task = self._keys_task()
            if self.options.start_s is not None:
                self.start_s = self.options.start_s
            elif self.playback is not None:
                self.start_s = self.playback.resume_s
            self.output = MpvOutput(
                vo=self.options.vo, ao=self.options.ao, clock=self.clock,
                on_event=lambda e: self._on_mpv_event(loop, e), options=self.options.mpv_options,
            )
            config = SchedulerConfig(
                buffer_capacity_s=self.options.buffer_capacity_s, start_s=self.start_s, until_s=self.options.until_s,
                force_rung=self.options.force_rendition,
                max_height=self.playback.max_height if self.playback else None,
                audio_language=self.options.audio_language,
            )
            algorithm = make_algorithm(self.options.abr)
            audio = pick_audio(self.presentation, self.options.audio_language)
            self.scheduler = Scheduler(
                presentation=self.presentation, source=self._source,
                sink=MuxFeed(self.output, ("video", "audio") if audio else ("video",)),
                algorithm=algorithm, clock=self.clock, position=lambda: self.output.position_s if self.output else None,
                qoe=self.qoe, keys=keys_task, config=config,
                session_id=self.playback.session_id if self.playback else None,
            )
            self.output.start(self.start_s)
            tasks.append(asyncio.create_task(self._consume_events()))
            if self.backend is not None and self.playback is not None:
                tasks.append(asyncio.create_task(self._heartbeat()))
            fetching = asyncio.create_task(self.scheduler.run())
            done_wait = asyncio.create_task(self._done.wait())
            await asyncio.wait({fetching, done_wait}, return_when=asyncio.FIRST_COMPLETED)
            if fetching.done() and fetching.exception() is not None:
                done_wait.cancel()
                raise fetching.exception()  # type: ignore[misc]
            await done_wait
            if not fetching.done():
                fetching.cancel()
                await asyncio.gather(fetching, return_exceptions=True)
            if self._end_error:
                raise PlaybackError(self._end_error)
        except Exception as exc:
            self.qoe.error(type(exc).__name__, str(exc), self.clock())
            raise
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if keys_task is not None:
                keys_task.cancel()
                with contextlib.suppress(BaseException):
                    (await keys_task).clear()
            if self.output is not None:
                self.output.close()
            if self.pool is not None:
                await self.pool.aclose()
            await transport.aclose()
            if self.backend is not None and self.playback is not None:
                with contextlib.suppress(Exception):
                    await self.backend.end_playback(self.playback.session_id)
        return self.report()

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
        report["cdn_failovers"] = max(report["cdn_failovers"], self.pool.failovers if self.pool else 0)
        report["algorithm"] = self.scheduler.algorithm.name if self.scheduler else None
        report["start_s"] = self.start_s
        report["requests"] = [_record_dict(r) for r in self.pool.records] if self.pool else []
        return report


def _record_dict(record: Any) -> dict[str, Any]:
    from dataclasses import asdict

    out = asdict(record)
    out["kind"] = str(out.get("kind"))
    return out

"""A scheduler world without sockets or real time: a built presentation served by ``HandlerTransport``
through the real ``CdnPool`` (optionally behind the real ``ShapedTransport``), all on one ``ManualClock``,
feeding a recording sink. The playhead moves with the clock once "playing" starts, as libmpv's would.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from abr.traces import Period as TracePeriod
from abr.traces import Trace
from player.manifest.model import Period, Presentation, Rendition, SegmentRef, Track
from player.net import CdnPool, FetchResult, ManualClock, SegmentRequest, Transport
from player.net.shaping import ShapedTransport, Shaping
from player.net.testing import HandlerTransport, files_handler
from player.qoe import PauseChanged, QoeEvent, QoeTracker
from player.scheduling import Scheduler, SchedulerConfig
from player.source import CdnSource

ORIGINS = ("http://cdn0.test/c/1-sig/t/manifest.mpd", "http://cdn1.test/c/1-sig/t/manifest.mpd")
BASE = "http://cdn0.test/c/1-sig/t/"
SEGMENT_S = 2.0
#: the engine-clear ladder of the real-time tests: 144/240/360p at ~300/600/1100 kbit/s
LADDER_KBPS = (300, 600, 1100)


def _rendition(rid: str, kbps: int, count: int, *, height: int | None, codecs: str | None = None) -> Rendition:
    init = SegmentRef(number=0, start_s=0.0, duration_s=0.0, urls=(f"{BASE}{rid}/init.mp4",))
    segments = tuple(SegmentRef(number=i + 1, start_s=i * SEGMENT_S, duration_s=SEGMENT_S,
                                urls=(f"{BASE}{rid}/{i + 1}.m4s",), init=init) for i in range(count))
    return Rendition(id=rid, bandwidth=kbps * 1000, height=height, init=init, segments=segments, codecs=codecs)


def presentation(count: int = 6, *, audio: bool = True, ladder: tuple[int, ...] = LADDER_KBPS,
                 codecs: tuple[str, str] | None = None) -> Presentation:
    """``codecs``: the video and audio renditions' RFC 6381 ``codecs`` (none by default)."""
    video_codecs, audio_codecs = codecs or (None, None)
    video = Track(kind="video", renditions=tuple(
        _rendition(f"v{i}", kbps, count, height=144 * (i + 1), codecs=video_codecs) for i, kbps in enumerate(ladder)))
    tracks = [video]
    if audio:
        tracks.append(Track(kind="audio", language="en",
                            renditions=(_rendition("a", 64, count, height=None, codecs=audio_codecs),)))
    return Presentation(periods=(Period(id="p", start_s=0.0, duration_s=count * SEGMENT_S, tracks=tuple(tracks)),),
                        is_live=False, duration_s=count * SEGMENT_S, source_url=ORIGINS[0])


def _box(kind: bytes, size: int) -> bytes:
    """An ISO BMFF box of ``size`` bytes in all: the pool's integrity check wants whole boxes."""
    return size.to_bytes(4, "big") + kind + b"x" * (size - 8)


def files_for(p: Presentation) -> dict[str, bytes]:
    """Bodies sized as the nominal bitrate says (what the ABR plans with), shaped as fMP4; inits are small."""
    files: dict[str, bytes] = {}
    for rendition in p.renditions():
        assert rendition.init is not None
        files[rendition.init.urls[0]] = _box(b"moov", 800)
        for ref in rendition.segments:
            size = int(rendition.bandwidth * ref.duration_s / 8)
            files[ref.urls[0]] = _box(b"moof", 64) + _box(b"mdat", size - 64)
    return files


def with_length(handler: Callable[[SegmentRequest], FetchResult]) -> Callable[[SegmentRequest], FetchResult]:
    """Announce Content-Length, as a CDN does (the abandonment rule then knows the size)."""
    def answer(request: SegmentRequest) -> FetchResult:
        result = handler(request)
        result.headers["content-length"] = str(result.bytes)
        return result
    return answer


def link(kbps_after: list[tuple[float, float]]) -> Shaping:
    """An emulated access link: ``[(duration_s, kbps), ...]``, no latency; the last period lasts long."""
    periods = [TracePeriod(duration_s=d, kbps=k, latency_s=0.0) for d, k in kbps_after]
    periods[-1] = TracePeriod(duration_s=10_000.0, kbps=periods[-1].kbps, latency_s=0.0)
    return Shaping(trace=Trace(name="test", periods=tuple(periods)))


@dataclass
class RecordingSink:
    """The feed as the scheduler sees it: records (kind, rendition, data size) and when, on the clock."""

    clock: ManualClock
    added: list[tuple[str, str, int, float]] = field(default_factory=list)
    keys: list[bytes | None] = field(default_factory=list)
    finished_at: float | None = None

    def add(self, kind: str, init: bytes, data: bytes, *, key: bytes | None, rendition_id: str,
            aes: object = None, start_s: float | None = None, timeline: int = 0,
            media_offset_s: float | None = None, window: object = None) -> None:
        assert init, "every CMAF segment goes to the feed with its init"
        self.added.append((kind, rendition_id, len(data), self.clock.now()))
        self.keys.append(key)

    def finish(self) -> None:
        self.finished_at = self.clock.now()

    def renditions(self, kind: str = "video") -> list[str]:
        return [r for k, r, _, _ in self.added if k == kind]


@dataclass
class World:
    clock: ManualClock
    handler: HandlerTransport
    pool: CdnPool
    sink: RecordingSink
    qoe: QoeTracker
    events: list[QoeEvent]
    scheduler: Scheduler
    playing_since: float | None = None  # the playhead moves with the clock from then on
    start_s: float = 0.0
    paused_at: float | None = None  # the viewer's pause holds the playhead here

    def position(self) -> float | None:
        if self.playing_since is None:
            return None
        return self.start_s + ((self.clock.now() if self.paused_at is None else self.paused_at) - self.playing_since)

    def pause(self, paused: bool) -> None:
        """The viewer's pause: the playhead stops, then moves on from where it stopped; the QoE hears of it as
        the session tells it (``PlaybackSession.pause``)."""
        now = self.clock.now()
        if paused and self.paused_at is None:
            self.paused_at = now
        elif not paused and self.paused_at is not None and self.playing_since is not None:
            self.playing_since += now - self.paused_at
            self.paused_at = None
        self.qoe.tell(PauseChanged(at=now, paused=paused, position_s=self.position()))

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


def world(p: Presentation, *, handler: Callable[[SegmentRequest], FetchResult] | None = None,
          shaping: Shaping | None = None, config: SchedulerConfig | None = None, algorithm: str | None = None,
          plays: bool = True, sink_type: type[RecordingSink] = RecordingSink, clock: ManualClock | None = None) -> World:
    """Everything wired; call inside a running loop. ``plays``: the first frame shows at once; ``sink_type``: the
    feed the scheduler hands segments to; ``clock``: one shared with other parts (a live follower's)."""
    from player.playback import make_algorithm

    clock = clock or ManualClock()
    handling = HandlerTransport(handler or with_length(files_handler(files_for(p))))
    transport: Transport = handling if shaping is None else ShapedTransport(handling, shaping, clock)
    pool = CdnPool(ORIGINS, transport, clock)
    qoe = QoeTracker(target="t", opened_at=clock.now())
    events: list[QoeEvent] = []
    qoe.listeners.append(events.append)
    sink = sink_type(clock)
    config = config or SchedulerConfig()
    holder: list[World] = []
    scheduler = Scheduler(presentation=p, source=CdnSource(pool), sink=sink, algorithm=make_algorithm(algorithm),
                          clock=clock, position=lambda: holder[0].position(), qoe=qoe, config=config)
    w = World(clock=clock, handler=handling, pool=pool, sink=sink, qoe=qoe, events=events, scheduler=scheduler,
              start_s=config.start_s)
    holder.append(w)
    if plays:
        w.playing_since = clock.now()
        scheduler.first_frame_shown()
    return w


def run(w_factory: Callable[[], World], during: Callable[[World], Any] | None = None,
        timeout_s: float = 20.0) -> World:
    """Build the world in a fresh loop and run its scheduler to the end (``during`` runs alongside)."""
    async def go() -> World:
        w = w_factory()
        side = asyncio.ensure_future(during(w)) if during else None
        try:
            await asyncio.wait_for(w.scheduler.run(), timeout_s)  # real-time guard only: a hang fails the test
        finally:
            if side is not None:
                side.cancel()
                await asyncio.gather(side, return_exceptions=True)
        if side is not None and not side.cancelled() and side.exception() is not None:
            raise side.exception()  # a failing assertion in ``during`` fails the test
        return w
    return asyncio.run(go())

"""From fetched bytes to the feed: init segments (cached per rendition), content keys, the report's
segment records and the CMCD data (CTA-5004) each request carries. Shared by the video and audio loops."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from abr.session import AbrSession
from abr.state import Phase
from drm_client import KeyRing
from player.errors import PlaybackError
from player.manifest import Rendition, SegmentRef
from player.net import CmcdData, ObjectType
from player.net.clock import Clock
from player.qoe import QoeTracker, SegmentRecord
from player.scheduling.timeline import TrackProgress
from player.source import Fetched, SegmentSource

#: init segments by (kind, rendition id); outlives a seek so the new run does not fetch them again
InitCache = dict[tuple[str, str], bytes]


LIVE_TIMELINES = 1 << 20  # remuxer timeline ids for live media: each is placed by its first segment


class FeedSink(Protocol):
    """Where fetched segments go (the remuxer feeding libmpv, or a recorder in tests)."""

    def add(self, kind: str, init: bytes, data: bytes, *, key: bytes | None, rendition_id: str,
            placed: tuple[float, int] | None = None) -> None: ...

    def finish(self) -> None: ...


class SegmentFeed:
    """Fetches inits, resolves keys, hands segments to the sink and records them."""

    def __init__(
        self, *, source: SegmentSource, sink: FeedSink, qoe: QoeTracker, clock: Clock, abr: AbrSession,
        top_kbps: float, keys: Callable[[], Awaitable[KeyRing]] | None, init_cache: InitCache, live: bool = False,
    ) -> None:
        self.live = live  # live: media is placed at the manifest's times (its own timestamps are arbitrary)
        self.source = source
        self.sink = sink
        self.qoe = qoe
        self.clock = clock
        self.abr = abr
        self.top_kbps = top_kbps
        self._get_keys = keys  # asked only when a protected segment needs a key
        self._keys: KeyRing | None = None
        self.init_cache = init_cache

    async def init(self, rendition: Rendition, kind: str) -> bytes:
        cached = self.init_cache.get((kind, rendition.id))
        if cached is not None:
            return cached
        ref = rendition.init or (rendition.segments[0].init if rendition.segments else None)
        if ref is None:
            raise PlaybackError(f"{kind} rendition {rendition.id!r} has no init segment (not CMAF/fMP4)")
        cmcd = CmcdData(bitrate_kbps=rendition.bandwidth / 1000.0 or None, object_type=ObjectType.INIT,
                        startup=self.abr.phase is not Phase.STEADY)
        fetched = await self.source.fetch(rendition, ref, kind=kind, is_init=True, cmcd=cmcd)
        self.qoe.failover(fetched.failovers)
        self.init_cache[(kind, rendition.id)] = fetched.body
        return fetched.body

    async def key_for(self, rendition: Rendition) -> bytes | None:
        protection = rendition.protection or (rendition.segments[0].protection if rendition.segments else None)
        if protection is None or protection.scheme not in ("cenc", "cens"):
            return None
        if self._keys is None:
            if self._get_keys is None:
                raise PlaybackError("this title is protected but no licence was requested")
            self._keys = await self._get_keys()
        kid = protection.default_kid or next(iter(self._keys.kids), None)
        if kid is None:
            raise PlaybackError("the licence holds no key")
        return self._keys.key_for(kid)

    async def deliver(
        self, kind: str, rendition: Rendition, init: bytes, ref: SegmentRef, fetched: Fetched, index: int,
        buffer_at_request: float, progress: TrackProgress,
    ) -> None:
        """Hand one segment to the sink, move the track's progress on, record it for the report."""
        key = await self.key_for(rendition)
        if self.live:
            self.sink.add(kind, init, fetched.body, key=key, rendition_id=rendition.id,
                          placed=(ref.start_s, LIVE_TIMELINES + ref.timeline))
        else:
            self.sink.add(kind, init, fetched.body, key=key, rendition_id=rendition.id)
        progress.added_until_s = ref.start_s + ref.duration_s
        self.qoe.failover(fetched.failovers)
        estimate = self.abr.tracker.throughput_kbps if kind == "video" else None
        self.qoe.segment(SegmentRecord(
            index=index, type=kind, rendition=rendition.id, bitrate_kbps=round(rendition.bandwidth / 1000.0, 1),
            cdn=fetched.cdn, bytes=len(fetched.body), download_ms=round(fetched.seconds * 1000.0, 1),
            buffer_s=round(buffer_at_request, 3), duration_s=ref.duration_s, start_s=ref.start_s,
            at_s=self.qoe.since_open(self.clock.now() - fetched.seconds),
            estimate_kbps=round(estimate, 1) if estimate else None,
        ))

    def cmcd(self, rendition: Rendition, ref: SegmentRef, object_type: ObjectType, buffer_s: float) -> CmcdData:
        return CmcdData(
            bitrate_kbps=rendition.bandwidth / 1000.0,
            buffer_s=buffer_s,
            buffer_starved=self.abr.phase is not Phase.STARTUP and buffer_s <= 0.0,
            duration_s=ref.duration_s,
            throughput_kbps=self.abr.tracker.throughput_kbps,
            object_type=object_type,
            startup=self.abr.phase is not Phase.STEADY,
            top_bitrate_kbps=self.top_kbps if object_type is ObjectType.VIDEO else None,
        )

"""Live low latency: a segment fetched chunk by chunk, each chunk fed as it completes (issue 15).

The fetch itself is the live follower's (``player.live.chunk_fetch``: LL-DASH chunked transfer, LL-HLS
parts and preload hints); the loops only see :class:`ChunkFetcher`. Retries differ from whole segments
in one way: once a chunk has reached the feed the segment cannot be taken back, so a failure after that
is final for the segment (no abandonment, no refetch at another rung); before it, a failure is retried —
at the lowest rung when the video loop says so (the emergency down-switch) — until ``give_up`` says stop.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from player.errors import FetchError
from player.manifest import Rendition, SegmentRef
from player.net import CmcdData
from player.net.clock import Clock
from player.scheduling.give_up import RETRY_PAUSE_S, Patience
from player.scheduling.segment_feed import ChunkSink, SegmentFeed
from player.scheduling.timeline import TrackProgress
from player.source import Fetched, SegmentSource


class ChunkFetcher(Protocol):
    """Fetches ``ref``, calling ``deliver(chunk, start_s, end_s)`` for each complete CMAF chunk."""

    async def fetch(self, source: SegmentSource, rendition: Rendition, ref: SegmentRef, *, kind: str, init: bytes,
                    deliver: Callable[[bytes, float, float], None], cmcd: CmcdData | None = None) -> Fetched: ...


async def fetch_chunked(
    chunks: ChunkFetcher, feed: SegmentFeed, source: SegmentSource, clock: Clock, *, kind: str,
    pick: Callable[[], tuple[Rendition, SegmentRef, CmcdData]], progress: TrackProgress,
    buffer_s: Callable[[], float], failed: Callable[[FetchError], None] | None = None,
    paused_s: Callable[[float], float] = lambda _now: 0.0,
) -> tuple[Rendition, SegmentRef, bytes, Fetched]:
    """Fetch what ``pick()`` names (asked again before each retry); ``failed`` hears of each failure first."""
    patience = Patience(clock, buffer_s, paused_s)
    while True:
        rendition, ref, cmcd = pick()
        init = await feed.init(rendition, kind, ref)
        sink: ChunkSink = await feed.chunk_sink(kind, rendition, init, ref, progress)
        try:
            fetched = await chunks.fetch(source, rendition, ref, kind=kind, init=init, deliver=sink, cmcd=cmcd)
            return rendition, ref, init, fetched
        except FetchError as exc:
            if sink.fed or patience.failed():
                raise
            if failed is not None:
                failed(exc)
            await clock.sleep(RETRY_PAUSE_S)

"""Fetching one live segment chunk by chunk, each chunk handed to the feed the moment it is complete.

Whole segments put a player a segment behind live; low latency needs media fed as the encoder makes
it. Two deliveries, one result:

- LL-DASH (and any segment requested while it is written): one GET, answered with chunked transfer
  as the packager appends CMAF chunks (dash.js's ``FetchLoader`` reading the body stream, Shaka's
  ``streamDataCallback``); every completed ``moof``+``mdat`` goes on;
- LL-HLS (RFC 8216bis §4.4.4.9, §4.4.5.3): the segment's parts one after another — those the playlist
  lists, then the ``EXT-X-PRELOAD-HINT`` target, which the server holds until it exists — until the
  playlist lists the segment whole.

Throughput goes to the ABR measured on data arrival (:class:`~player.live.cmaf_chunks.ArrivalMeter`).
A source that is not the CDN pool (offline, tests) is read whole and split the same way.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from player.manifest import Rendition, SegmentRef
from player.net import CmcdData
from player.net.clock import Clock
from player.source import CdnSource, Fetched, SegmentSource

from .cmaf_chunks import ArrivalMeter, ChunkSplitter, chunk_span, track_timing
from .hls_refresh import HlsRefresher

#: ``deliver(chunk, start_s, end_s)``: a complete CMAF chunk and where it sits on the manifest's timeline
Deliver = Callable[[bytes, float, float], None]


class _Stream:
    """One segment's bytes as they arrive: chunks out to ``deliver``, arrival timing in ``meter``."""

    def __init__(self, ref: SegmentRef, init: bytes, deliver: Deliver, clock: Clock) -> None:
        self.ref, self.deliver, self.clock = ref, deliver, clock
        self.timing = track_timing(init)
        self.meter = ArrivalMeter()
        self.splitter = ChunkSplitter()
        self.first_s: float | None = None  # media time of the segment's first chunk
        self.delivered = 0
        self.fetches: list[Fetched] = []

    def new_body(self) -> None:
        """The next part (LL-HLS): a new body of whole chunks."""
        self.splitter = ChunkSplitter()

    def progress(self, received: int, _total: int | None) -> None:
        if received == 0:  # a new attempt: the body starts again from byte 0
            self.splitter.restart()

    def data(self, data: bytes) -> None:
        self.meter.arrived(self.clock.now(), len(data), continuing=self.splitter.holding)
        for chunk in self.splitter.feed(data):
            span = chunk_span(self.timing, chunk)
            if span is None:  # no tfdt: placed at the segment's start, counted to its end
                start, end = self.ref.start_s, self.ref.end_s
            else:
                self.first_s = span[0] if self.first_s is None else self.first_s
                start = self.ref.start_s + span[0] - self.first_s
                end = start + span[1]
            self.deliver(chunk, start, end)
            self.delivered += 1

    def result(self) -> Fetched:
        first = self.fetches[0]
        return Fetched(body=b"".join(f.body for f in self.fetches), cdn=self.fetches[-1].cdn,
                       seconds=self.meter.equivalent_seconds(), ttfb_s=first.ttfb_s,
                       failovers=sum(f.failovers for f in self.fetches))


class LiveChunks:
    """The scheduler's chunked fetch for a low-latency live presentation (``LiveFollower.chunks``)."""

    def __init__(self, hls: dict[str, HlsRefresher], wait_update: Callable[[], Awaitable[None]], clock: Clock) -> None:
        self.hls = hls
        self.wait_update = wait_update
        self.clock = clock

    async def fetch(self, source: SegmentSource, rendition: Rendition, ref: SegmentRef, *, kind: str, init: bytes,
                    deliver: Deliver, cmcd: CmcdData | None = None) -> Fetched:
        """Fetch ``ref``, delivering its chunks as they complete; the :class:`Fetched` the ABR and report see."""
        stream = _Stream(ref, init, deliver, self.clock)
        refresher = self.hls.get(rendition.id)
        if refresher is not None and refresher.writing(ref.number):
            await self._parts(source, rendition, ref, refresher, stream, kind, cmcd)
        if refresher is not None and not stream.fetches:  # complete: as listed now (an announced entry names no file)
            ref = replace(ref, urls=(refresher.index.by_number(ref.number) or ref).urls)
        if not stream.fetches:
            await self._one(source, rendition, ref, stream, kind, cmcd)
        return stream.result()

    async def _one(self, source: SegmentSource, rendition: Rendition, ref: SegmentRef, stream: _Stream, kind: str,
                   cmcd: CmcdData | None) -> None:
        if isinstance(source, CdnSource):
            stream.fetches.append(await source.fetch(rendition, ref, kind=kind, cmcd=cmcd, on_progress=stream.progress,
                                                     on_data=stream.data))
            return
        fetched = await source.fetch(rendition, ref, kind=kind, cmcd=cmcd)
        stream.fetches.append(fetched)
        stream.data(fetched.body)

    async def _parts(self, source: SegmentSource, rendition: Rendition, ref: SegmentRef, refresher: HlsRefresher,
                     stream: _Stream, kind: str, cmcd: CmcdData | None) -> None:
        """Parts 0, 1, ... of segment ``ref.number`` until the playlist lists it complete and all are in."""
        index = 0
        while True:
            uri = refresher.part_uri(ref.number, index)
            if uri is None:
                count = refresher.parts_in(ref.number)
                if count is not None and index >= count:  # complete (with no parts listed: fetched whole)
                    return
                await self.wait_update()
                continue
            stream.new_body()
            await self._one(source, rendition, replace(ref, urls=(uri,), byte_range=None), stream, kind, cmcd)
            index += 1

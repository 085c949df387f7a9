"""From fetched bytes to the feed: init segments (cached per init URL), content keys, the report's
segment records and the CMCD data (CTA-5004) each request carries. Shared by the video and audio loops.

A segment brings its own init (a later Period's, a new EXT-X-MAP) or none at all (MPEG-TS, packed
audio: configuration in-band); its key material is its own (HLS key rotation, AES-128 per key URI:
:mod:`player.segment_keys`). A segment that will not be played (EXT-X-GAP, or no CDN delivered it) is
*skipped*: listed in the report's errors and in :attr:`SegmentFeed.skipped`, the track moves past it.
Live, a run of segments no CDN has is the stream stopping, not holes (:class:`MissingRun`)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from abr.session import AbrSession
from abr.state import Phase
from drm_client import KeyRing
from player.errors import LIVE_STOPPED_AFTER_SEGMENTS, FetchError, LiveStreamStopped
from player.feed.media_input import Aes128Key
from player.feed.remux import PeriodWindow
from player.init_cache import InitCache, init_key
from player.manifest import Rendition, SegmentRef
from player.net import CmcdData, HttpStatusError, ObjectType
from player.net.errors import CorruptSegment
from player.net.clock import Clock
from player.qoe import QoeTracker, SegmentRecord
from player.scheduling.ladder import carried
from player.scheduling.timeline import TrackProgress
from player.segment_keys import SegmentKeys
from player.source import Fetched, SegmentSource

def missing(exc: FetchError) -> bool:
    """Every CDN answered that the segment is not there (404/410) or sent it broken (issue 16: refetched
    from every CDN first): a hole in the content to skip and report — unlike a stalled, refused or dead
    link, which ends the run once the buffer is dry and the retries are spent (skipping through a dead
    CDN would spin through the whole title)."""
    attempts = getattr(exc, "attempts", None) or []
    return bool(attempts) and all(
        isinstance(e, CorruptSegment) or (isinstance(e, HttpStatusError) and e.status in (404, 410)) for _, e in attempts
    )


class MissingRun:
    """Live segments in a row that every CDN says are not there, per track kind.

    A ``$Number$`` MPD has no segment list to freeze: the clock says which segments exist, so an
    encoder that died shows only as segments that never appear (404 at and past their availability
    time). :data:`~player.errors.LIVE_STOPPED_AFTER_SEGMENTS` in a row (as many target durations as a
    playlist may stand still before it counts as frozen) end the play with :class:`LiveStreamStopped`, as
    a frozen playlist does; fewer are holes, skipped and reported. Before, each was skipped one after
    another until libmpv, fed nothing, gave up with an unrelated error a minute later."""

    def __init__(self) -> None:
        self._run: dict[str, list[SegmentRef]] = {}
        self._aged: dict[str, list[SegmentRef]] = {}  # stretches deleted behind the window, nothing delivered since

    def missed(self, kind: str, ref: SegmentRef) -> None:
        run = self._run.setdefault(kind, [])
        run.append(ref)
        if len(run) >= LIVE_STOPPED_AFTER_SEGMENTS:
            raise LiveStreamStopped(f"the live stream's {kind} segments from {run[0].start_s:.1f} to {run[-1].end_s:.1f} s "
                                    f"are missing or broken on every CDN ({len(run)} in a row: the encoder or packager upstream "
                                    "has stopped)")

    def aged(self, kind: str, stretch: SegmentRef) -> None:
        """A stretch the channel deleted behind the live window before a CDN answered (``SegmentFeed.lost``): the misses
        before it are no run with those after it. As many such stretches in a row, nothing delivered between, mean no
        answer comes in time at all; a dead encoder on a ``$Number$`` MPD, whose window moves with the clock, looks
        the same when each 404 takes longer than a segment (skipped for ever, never named)."""
        self._run.pop(kind, None)
        gone = self._aged.setdefault(kind, [])
        gone.append(stretch)
        if len(gone) >= LIVE_STOPPED_AFTER_SEGMENTS:
            raise LiveStreamStopped(f"no {kind} segment came from {gone[0].start_s:.1f} to {gone[-1].end_s:.1f} s: each "
                                    f"was deleted behind the live window before a CDN answered ({len(gone)} times in a "
                                    "row: the encoder upstream has stopped, or the CDN answers slower than the window "
                                    "keeps media)")

    def delivered(self, kind: str) -> None:
        self._run.pop(kind, None)
        self._aged.pop(kind, None)


LIVE_TIMELINES = 1 << 20  # remuxer timeline ids for live media: each is placed by its first segment


class LiveWindowStart(Protocol):
    """What the feed needs of a live follower: where the DVR window begins now."""

    def oldest_s(self) -> float: ...


class FeedSink(Protocol):
    """Where fetched segments go (the remuxer feeding libmpv, or a recorder in tests)."""

    def add(self, kind: str, init: bytes, data: bytes, *, key: bytes | None, rendition_id: str,
            aes: Aes128Key | None = None, start_s: float | None = None, timeline: int = 0,
            media_offset_s: float | None = None, window: PeriodWindow | None = None) -> float | None:
        """Take one segment; where this track's media now ends on the presentation's timeline (None: unknown)."""

    def finish(self) -> None: ...


class ChunkSink:
    """``sink(data, start_s, end_s)``: media of one segment into the feed; the track's progress follows it."""

    def __init__(self, sink: FeedSink, kind: str, rendition_id: str, init: bytes, key: bytes | None,
                 aes: Aes128Key | None, timeline: int, progress: TrackProgress, media_offset_s: float | None = None,
                 window: PeriodWindow | None = None) -> None:
        self.sink, self.kind, self.rendition_id, self.init = sink, kind, rendition_id, init
        self.key, self.aes, self.timeline, self.progress = key, aes, timeline, progress
        self.media_offset_s, self.window = media_offset_s, window
        self.fed = 0  # pieces handed on

    def __call__(self, data: bytes, start_s: float, end_s: float) -> None:
        media_end_s = self.sink.add(self.kind, self.init, data, key=self.key, aes=self.aes,
                                    rendition_id=self.rendition_id, start_s=start_s, timeline=self.timeline,
                                    media_offset_s=self.media_offset_s, window=self.window)
        self.progress.added_until_s = fed_until(end_s, media_end_s)
        if media_end_s is not None:
            self.progress.short_before_s, self.progress.short_s = self.progress.short_s, end_s - media_end_s
        self.fed += 1


def fed_until(declared_end_s: float, media_end_s: float | None) -> float:
    """How far a track is buffered after a segment: where the manifest says it ends, or where its media really
    ends when that is sooner. A playlist that declares 20 s segments over 2 s of media otherwise counts a buffer
    that is not there: the next fetch waits for room while libmpv starves, and the play hangs."""
    return declared_end_s if media_end_s is None else min(declared_end_s, media_end_s)


class SegmentFeed:
    """Fetches inits, resolves keys, hands segments to the sink and records them."""

    def __init__(
        self, *, source: SegmentSource, sink: FeedSink, qoe: QoeTracker, clock: Clock, abr: AbrSession,
        top_kbps: float, keys: Callable[[], Awaitable[KeyRing]] | None, init_cache: InitCache,
        live: LiveWindowStart | None = None,
    ) -> None:
        self._window = live
        self.source = source
        self.sink = sink
        self.qoe = qoe
        self.clock = clock
        self.abr = abr
        self.top_kbps = top_kbps
        self.keys = SegmentKeys(ring=keys, fetch_key=self._fetch_key)
        self.init_cache = init_cache
        self.skipped: list[SegmentRef] = []
        self._missing = MissingRun()

    @property
    def live(self) -> bool:
        """Live: media is placed at the manifest's times (its own timestamps are arbitrary)."""
        return self._window is not None

    async def init(self, rendition: Rendition, kind: str, segment: SegmentRef) -> bytes:
        """The init segment ``segment`` needs (its own, else the rendition's); empty for MPEG-TS and
        packed audio, which carry their configuration in-band."""
        ref = segment.init or rendition.init
        if ref is None:
            return b""

        async def fetch() -> bytes:
            cmcd = CmcdData(bitrate_kbps=rendition.bandwidth / 1000.0 or None, object_type=ObjectType.INIT,
                            startup=self.abr.phase is not Phase.STEADY)
            fetched = await self.source.fetch(rendition, ref, kind=kind, is_init=True, cmcd=cmcd)
            self.qoe.failover(fetched.failovers)
            return fetched.body

        return await self.init_cache.get(init_key(kind, ref), fetch)  # once per play: a seek's run, the licence's

    async def _fetch_key(self, uri: str) -> bytes:
        """An AES-128 key through the source (the CDN pool: URI policy, failover); memory only."""
        ref = SegmentRef(number=0, start_s=0.0, duration_s=0.0, urls=(uri,))
        rendition = Rendition(id="key", bandwidth=0)
        return (await self.source.fetch(rendition, ref, kind="key", is_init=True)).body

    def skip(self, ref: SegmentRef, progress: TrackProgress, why: str) -> None:
        """A segment that will not be played: in the report's errors; the track moves past it."""
        self._report_skip(ref, why)
        progress.added_until_s = ref.end_s

    def carry(self, index: int, before: Sequence[SegmentRef], after: Sequence[SegmentRef],
              progress: TrackProgress) -> tuple[int, int]:
        """Live: position ``index`` of ``before`` in the grown list ``after`` (:func:`carried`), and how many positions
        before it went (the follower lets segments go behind the DVR window). Media the loop had not reached that went
        with them (a play paused far behind the window) is skipped as one stretch, named."""
        moved = carried(index, before, after)
        need_s = before[index].start_s if index < len(before) else before[-1].end_s if before else None
        if after and need_s is not None and after[0].start_s > need_s + 1e-6:
            stretch = SegmentRef(number=-1, start_s=need_s, duration_s=after[0].start_s - need_s, urls=())
            self.skip(stretch, progress, "let go behind the live window before it was fetched")
        return moved, max(index - moved, 0)

    def lost(self, kind: str, segments: Sequence[SegmentRef], index: int, progress: TrackProgress,
             exc: FetchError, end: int | None = None) -> int:
        """Segment ``index``, which every CDN says is not there (:func:`missing`), skipped; the index to go on from.
        Live, a run of them raises :class:`LiveStreamStopped` (:class:`MissingRun`), and the track's progress stays
        where its media ends: a live buffer holds a few seconds, so counting segments that never came as buffered held
        the next fetch back while the playhead starved, and the run was never seen.

        One the DVR window had moved past by the time the answer came (a CDN that held the request longer than the
        window) was deleted by the channel meantime, and so were the segments after it up to the window: skipped as
        one stretch (to ``end`` at most: ``--until``), named so, the loop going on from the window's oldest. Counted in
        the run, they blamed the encoder for segments that aged out ("3 in a row: the encoder ... has stopped");
        skipped one by one, each asked for four times, the play fell further behind at every step. Such stretches in
        a row are a run of their own (:meth:`MissingRun.aged`)."""
        ref = segments[index]
        oldest = self._window.oldest_s() if self._window is not None else None
        if oldest is not None and ref.end_s <= oldest:
            stop = len(segments) if end is None else max(index + 1, min(end, len(segments)))
            after = next((i for i in range(index, stop) if segments[i].end_s > oldest), stop)
            stretch = SegmentRef(number=-1, start_s=ref.start_s, duration_s=segments[after - 1].end_s - ref.start_s,
                                 urls=())
            self._report_skip(stretch, "deleted behind the live window before a CDN delivered it")
            self._missing.aged(kind, stretch)
            return after
        self._report_skip(ref, f"{type(exc).__name__}: {exc}")
        if not self.live:
            progress.added_until_s = ref.end_s
        else:
            self._missing.missed(kind, ref)
        return index + 1

    def _report_skip(self, ref: SegmentRef, why: str) -> None:
        self.skipped.append(ref)
        self.qoe.error("SegmentSkipped", f"segment {ref.start_s:.1f}–{ref.end_s:.1f} s skipped ({why})",
                       self.clock.now())

    async def deliver(
        self, kind: str, rendition: Rendition, init: bytes, ref: SegmentRef, fetched: Fetched, index: int,
        buffer_at_request: float, progress: TrackProgress,
    ) -> None:
        """Hand one segment to the sink, move the track's progress on, record it for the report."""
        sink = await self.chunk_sink(kind, rendition, init, ref, progress)
        sink(fetched.body, ref.start_s, ref.start_s + ref.duration_s)
        self.record(kind, rendition, ref, fetched, index, buffer_at_request)

    async def chunk_sink(self, kind: str, rendition: Rendition, init: bytes, ref: SegmentRef,
                         progress: TrackProgress) -> ChunkSink:
        """Where the pieces of ``ref`` go (the whole segment, or its CMAF chunks as they arrive)."""
        key, aes = await self.keys.for_segment(ref, init)
        # live media is placed by its first segment: its refs' times are moved onto our clock (``live.follower``), so
        # the MPD's media offset no longer relates them to the media's timestamps
        if self.live:
            return ChunkSink(self.sink, kind, rendition.id, init, key, aes, LIVE_TIMELINES + ref.timeline, progress)
        window = PeriodWindow(ref.period_start_s, ref.period_end_s)
        return ChunkSink(self.sink, kind, rendition.id, init, key, aes, ref.timeline, progress, ref.media_offset_s,
                         window if window != (None, None) else None)

    def record(self, kind: str, rendition: Rendition, ref: SegmentRef, fetched: Fetched, index: int,
               buffer_at_request: float) -> None:
        """The segment in the report (and its failovers in the QoE counts)."""
        self._missing.delivered(kind)
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

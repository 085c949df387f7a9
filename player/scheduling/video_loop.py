"""The video loop: our ABR picks every video segment's rung, with abandonment and emergency down-switch.

For each segment it waits for room in the buffer, asks the algorithm (``abr.AbrSession``, the very
object the simulator measures) with the buffer *we* count, fetches, and feeds the download back into
the throughput estimator.

Abandonment: while a segment downloads, its progress is shown to the algorithm's rule
(``AbrSession.abandon``) as the simulator does — after each ``ABANDON_CHECK_S`` in which at least
``ABANDON_CHECK_BYTES`` more arrived (a CDN gone silent is the stall detector's, and failover's, to
handle). When the algorithm judges the segment cannot arrive before the buffer runs dry, the request
is cancelled (the pool logs an aborted attempt; the CDN is not blamed), the algorithm hears of it,
and the same segment is chosen again — no higher than the rung it stepped down to.

Emergency down-switch: a stall on every CDN is the viewer's own link saying the rung no longer fits.
Under ABR the segment is refetched at the lowest rung; at the lowest rung (or a pinned one) it is
refetched *patiently* — no throughput floor but the absolute one, and the read timeout — so a slow
link rebuffers instead of ending the session; a segment is given up only as ``give_up.py`` says.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from abr.session import AbrSession
from abr.state import AbrState, Decision
from player.errors import FetchError
from player.manifest import Rendition, SegmentRef
from player.net import CmcdData, ObjectType
from player.net.clock import Clock, done_within
from player.qoe import DownloadAbandoned, EmergencyDownswitch, QoeTracker
from player.scheduling.chunked import ChunkFetcher, fetch_chunked
from player.scheduling.give_up import RETRY_PAUSE_S, Patience
from player.scheduling.inflight import Abandoned, InFlight, cancel_all
from player.scheduling.ladder import Ladder, end_index
from player.scheduling.segment_feed import SegmentFeed, missing
from player.scheduling.timeline import Timeline
from player.scheduling.waits import FirstFrameGate
from player.source import Fetched, SegmentSource

POLL_S = 0.05
LOW_WATER_S = 1.0  # a segment longer than the buffer's room is fetched once this little is buffered ahead
ABANDON_CHECK_S = 0.1  # how often a video download in flight is shown to the algorithm's abandonment rule ...
ABANDON_CHECK_BYTES = 1500  # ... once this much more of it has arrived (the simulator's 12 000 bits)


@dataclass(frozen=True)
class _Got:
    rung: int
    fetched: Fetched
    init: bytes
    ref: SegmentRef
    buffer_at_request: float


class VideoLoop:
    """Fetches video segments ``start_index`` up to the end (or ``until_s``) into the feed."""

    def __init__(
        self, *, ladder: Ladder, abr: AbrSession, timeline: Timeline, feed: SegmentFeed, source: SegmentSource,
        clock: Clock, qoe: QoeTracker, gate: FirstFrameGate, capacity_s: float, until_s: float | None,
        start_index: int, first_frame_needs: int, pinned: int | None, first_rung: int | None = None,
        grow: Callable[[], Awaitable[Ladder | None]] | None = None, chunks: ChunkFetcher | None = None,
    ) -> None:
        self.ladder, self.abr, self.timeline, self.feed = ladder, abr, timeline, feed
        self.source, self.clock, self.qoe, self.gate = source, clock, qoe, gate
        self.capacity_s, self.until_s = capacity_s, until_s
        self.start_index, self.first_frame_needs = start_index, first_frame_needs
        self.pinned = pinned  # QA / the viewer: a fixed rung (index into the ladder), None for ABR
        # the first segment's rung, not the ABR's: after a seek the rung on screen (``after_seek``), at a play's
        # start the rung a carried estimate sustains (``start_pick``). Not abandoned: nothing plays until it is
        # here, so the buffer is empty and the abandonment rule would drop any rung above the bottom at its first
        # look; a link that got slower is the stall detector's (a stall refetches it at the lowest rung)
        self.first_rung = first_rung
        self.current_rung: int | None = None
        self.grow = grow  # live: waits for more segments and returns the grown ladder (None: the event ended)
        self.chunks = chunks  # live low latency: segments fed chunk by chunk as they arrive (``chunked``)
        self.let_go = 0  # live: positions let go before the ladder's first; the report's and the ABR's index adds them

    async def run(self) -> None:
        index, steps = self.start_index, 0  # steps: positions taken (a segment, a gap, a hole)
        while True:
            segments = self.ladder.timeline
            if index >= end_index(segments, self.until_s):
                if self.grow is None or (self.until_s is not None and segments and segments[-1].end_s >= self.until_s):
                    break
                grown = await self.grow()
                if grown is None:
                    break
                index, gone = self.feed.carry(index, segments, grown.timeline, self.timeline.video)
                self.let_go += gone
                self.ladder = grown
                continue
            if steps >= self.first_frame_needs:
                await self.gate.hold()
            await self._wait_for_room(segments[index].duration_s)
            if not self.ladder.has_media(index):  # EXT-X-GAP on every rung
                self.feed.skip(segments[index], self.timeline.video, "EXT-X-GAP")
                self.timeline.video_advanced()
                index, steps = index + 1, steps + 1
                continue
            try:
                got = await self._segment(index)
            except FetchError as exc:
                if not missing(exc):
                    raise
                # every CDN says it is not there: a hole in the content; the rest may still play
                index = self.feed.lost(self.ladder.kind, segments, index, self.timeline.video, exc,
                                       end_index(segments, self.until_s))
                self.timeline.video_advanced()
                steps += 1
                continue
            position = self.let_go + index  # the report's index: counted from the play's first, let go or not
            if self.chunks is not None:  # already in the feed
                self.feed.record(self.ladder.kind, self.ladder[got.rung], got.ref, got.fetched, position,
                                 got.buffer_at_request)
            else:
                await self.feed.deliver(self.ladder.kind, self.ladder[got.rung], got.init, got.ref, got.fetched,
                                        position, got.buffer_at_request, self.timeline.video)
            self.current_rung = got.rung
            self.timeline.video_advanced()
            index, steps = self.ladder.next_index(index, got.ref), steps + 1
        self.timeline.video_advanced(done=True)

    async def _segment(self, index: int) -> _Got:
        """Choose and fetch segment ``index``, choosing again after each abandonment."""
        below: int | None = None  # after an abandonment: the rung the algorithm stepped down to
        while True:
            state = self.abr.state(buffer_s=self.timeline.buffer_s(), segment_index=self.let_go + index,
                                   upcoming_sizes_bits=self.ladder.known_sizes(index))
            decision = self._choose(state)
            if decision.delay_s > 0:
                await self.clock.sleep(decision.delay_s)
            rung = decision.rung if below is None else min(decision.rung, below)
            first = self.first_rung is not None and self.let_go + index == self.start_index and below is None and self.pinned is None
            if first:
                rung = self.ladder.clamp(self.first_rung or 0)
            rung = self.ladder.open_rung(index, rung, self.current_rung if below is None else None)
            # a rung above the one stepped down to only when no lower one has a segment here: fetched whole
            watch = not first and (below is None or rung <= below)
            outcome = await self._fetch(index, rung, state, watch=watch)
            if not isinstance(outcome, Abandoned):
                self.abr.downloaded(state, rung=outcome.rung, bits=len(outcome.fetched.body) * 8.0,
                                    seconds=outcome.fetched.seconds, latency_s=outcome.fetched.ttfb_s,
                                    buffer_s=self.timeline.buffer_s() + outcome.ref.duration_s)
                return outcome
            # as the simulator: not a throughput sample, but the algorithm hears of it; then ask again
            self.abr.downloaded(state, rung=outcome.rung, bits=outcome.received * 8.0, seconds=outcome.seconds,
                                latency_s=outcome.latency_s, buffer_s=self.timeline.buffer_s(), abandoned=True,
                                abandon_to=outcome.to_rung)
            self.qoe.abandoned(DownloadAbandoned(at=self.clock.now(), index=self.let_go + index, from_rung=outcome.rung,
                                                 to_rung=outcome.to_rung, received_bytes=outcome.received))
            below = outcome.to_rung

    def _choose(self, state: AbrState) -> Decision:
        if self.pinned is not None:
            return Decision(rung=self.ladder.clamp(self.pinned))
        return self.abr.choose(state)

    async def _fetch(self, index: int, rung: int, state: AbrState, *, watch: bool = True) -> _Got | Abandoned:
        """Fetch segment ``index`` at ``rung``, falling back when every CDN failed or stalled (module doc);
        ``watch``: shown to the abandonment rule."""
        if self.chunks is not None:
            return await self._fetch_chunks(self.chunks, index, rung)
        patient = False
        patience = Patience(self.clock, self.timeline.buffer_s, self.timeline.paused_s)
        while True:
            rendition = self.ladder[rung]
            ref = self.ladder.segment(rendition, index)
            buffer_at_request = self.timeline.buffer_s()
            flight = InFlight(self.clock) if watch and self._may_abandon(rung) else None
            init_task = asyncio.ensure_future(self.feed.init(rendition, self.ladder.kind, ref))
            media_task = asyncio.ensure_future(self.source.fetch(
                rendition, ref, kind=self.ladder.kind, patient=patient, on_progress=flight,
                cmcd=self.feed.cmcd(rendition, ref, ObjectType.VIDEO, buffer_at_request),
            ))
            abandoned: Abandoned | None = None
            try:
                if flight is not None:
                    abandoned = await self._watch(media_task, flight, state, rung)
                if abandoned is not None:
                    return abandoned
                init, fetched = await asyncio.gather(init_task, media_task)
                return _Got(rung, fetched, init, ref, buffer_at_request)
            except FetchError as exc:
                if patience.failed():
                    raise
                lowest = self.ladder.lowest_open(index)
                if self._may_abandon(rung) and rung > lowest:
                    self.qoe.downswitched(EmergencyDownswitch(at=self.clock.now(), index=self.let_go + index, from_rung=rung,
                                                              error=type(exc).__name__))
                    rung = lowest
                else:
                    patient = True
                    await self.clock.sleep(RETRY_PAUSE_S)
            finally:
                await cancel_all(init_task, media_task, why="abandoned by the ABR" if abandoned else "cancelled")

    async def _fetch_chunks(self, chunks: ChunkFetcher, index: int, rung: int) -> _Got:
        """Live low latency: fed as it arrives, so never abandoned; a failure before the first chunk still
        moves down to the lowest rung (the emergency down-switch)."""
        at = {"rung": rung}
        buffer_at_request = self.timeline.buffer_s()

        def pick() -> tuple[Rendition, SegmentRef, CmcdData]:
            rendition = self.ladder[at["rung"]]
            ref = self.ladder.segment(rendition, index)
            return rendition, ref, self.feed.cmcd(rendition, ref, ObjectType.VIDEO, self.timeline.buffer_s())

        def failed(exc: FetchError) -> None:
            if self._may_abandon(at["rung"]):
                self.qoe.downswitched(EmergencyDownswitch(at=self.clock.now(), index=self.let_go + index,
                                                          from_rung=at["rung"], error=type(exc).__name__))
                at["rung"] = self.ladder.lowest_open(index)

        _rendition, ref, init, fetched = await fetch_chunked(
            chunks, self.feed, self.source, self.clock, kind=self.ladder.kind, pick=pick, progress=self.timeline.video,
            buffer_s=self.timeline.buffer_s, paused_s=self.timeline.paused_s, failed=failed)
        return _Got(at["rung"], fetched, init, ref, buffer_at_request)

    def _may_abandon(self, rung: int) -> bool:
        """Abandonment and down-switch are the algorithm's call, so not on a pinned rung; nothing is below the lowest."""
        return rung > 0 and self.pinned is None

    async def _watch(self, media: asyncio.Future[Fetched], flight: InFlight, state: AbrState,
                     rung: int) -> Abandoned | None:
        """Show the download's progress to the algorithm until it ends (``None``) or the algorithm abandons it."""
        while not await done_within(self.clock, media, ABANDON_CHECK_S):
            if not self._may_abandon(rung) or flight.received - flight.judged < ABANDON_CHECK_BYTES:
                continue
            flight.judged = flight.received
            progress = flight.progress(rung=rung, nominal_bits=state.segment_bits(0, rung),
                                       buffer_s=self.timeline.buffer_s())
            if progress is None:
                continue
            decision = self.abr.abandon(state, progress)
            if decision is not None:
                return Abandoned(rung=rung, to_rung=decision.rung, received=flight.received,
                                 seconds=progress.elapsed_s, latency_s=progress.latency_s)
        return None

    async def _wait_for_room(self, duration_s: float) -> None:
        """Wait until the segment fits in the buffer's capacity, or, for a segment longer than that room (a 40 s
        segment in a 30 s buffer, ``--buffer`` at a segment's length), until no more than ``LOW_WATER_S`` is left
        ahead: libmpv cannot play the last moments of what it was fed, nor start, without more, so waiting for room
        that never comes hung the play with nothing fetched."""
        idle_since = self.clock.now()
        while self.timeline.buffer_s() + duration_s > self.capacity_s and self.timeline.buffer_s() > LOW_WATER_S:
            await self.clock.sleep(POLL_S)
        idle = self.clock.now() - idle_since
        if idle > 0:
            self.abr.idle(idle)

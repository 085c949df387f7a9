"""The segment scheduler: our ABR picks every video segment, our code counts the buffer.

DESIGN.md "We are the only downloader": one task per media type fetches segments from a
:class:`~player.source.SegmentSource` and hands them to the feed (remux → libmpv). The video task
asks the ABR algorithm (:mod:`abr`, the very object the simulator measures) for each segment's rung
with the buffer level *we* count — media time added to the feed minus the position libmpv shows —
and feeds the download back into the throughput estimator. The audio task follows the video
timeline at most one segment ahead, so both tracks interleave in the muxed stream.

While a video segment downloads, the scheduler shows its progress to the algorithm's abandonment rule
(``AbrSession.abandon``) as the simulator does: after each ``ABANDON_CHECK_S`` in which at least
``ABANDON_CHECK_BYTES`` more arrived (a CDN gone silent is the stall detector's, and failover's, to
handle). When the algorithm judges that the segment cannot arrive before the buffer runs dry, the
request is cancelled (the pool logs it as an aborted attempt; the CDN is not blamed), the algorithm
hears of it (``downloaded(..., abandoned=True)``), and the same segment is chosen again — no higher
than the rung the algorithm stepped down to.

Renditions are assumed segment-aligned (CMAF, DASH ``segmentAlignment``), so segment *i* of every
video rendition covers the same media time; a rendition whose count differs is looked up by time.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from abr.session import AbrSession
from abr.state import AbrState, Algorithm, Decision, Phase
from drm_client import KeyRing
from player.errors import FetchError, PlaybackError
from player.manifest import Presentation, Rendition, SegmentRef
from player.net import CmcdData, ObjectType
from player.inflight import Abandoned, InFlight, cancel_all
from player.qoe import QoeTracker, SegmentRecord
from player.source import Fetched, SegmentSource

POLL_S = 0.05
MIN_SAMPLE_BITS = 16_000 * 8  # smaller downloads say more about latency than throughput (Shaka: 16 kB)
LOWEST_RUNG_RETRIES = 3
RETRY_PAUSE_S = 0.5
FIRST_FRAME_HOLD_S = 0.25  # the longest later segments wait for the first frame (then buffering goes on)
ABANDON_CHECK_S = 0.1  # how often a video download in flight is shown to the algorithm's abandonment rule ...
ABANDON_CHECK_BYTES = 1500  # ... once this much more of it has arrived (the simulator's 12 000 bits)


class FeedSink(Protocol):
    """Where fetched segments go (the remuxer feeding libmpv, or a recorder in tests)."""

    def add(self, kind: str, init: bytes, data: bytes, *, key: bytes | None, rendition_id: str) -> None: ...

    def finish(self) -> None: ...


@dataclass(kw_only=True)
class SchedulerConfig:
    buffer_capacity_s: float = 30.0
    start_s: float = 0.0
    until_s: float | None = None
    force_rung: int | None = None  # QA: pin the video quality (index into the ladder, lowest first)
    max_height: int | None = None  # plan cap from the backend
    audio_language: str | None = None


@dataclass
class _TrackProgress:
    added_until_s: float | None = None
    done: bool = False


def video_ladder(presentation: Presentation, max_height: int | None = None) -> tuple[Rendition, ...]:
    """Video renditions lowest first, capped at ``max_height`` (the lowest rung always stays)."""
    track = presentation.video_track()
    if track is None or not track.renditions:
        raise PlaybackError("the presentation has no video track")
    ladder = track.by_bandwidth()
    if max_height:
        capped = tuple(r for r in ladder if (r.height or 0) <= max_height)
        ladder = capped or ladder[:1]
    return ladder


def pick_audio(presentation: Presentation, language: str | None) -> Rendition | None:
    """The audio rendition to play: the requested language if present, else the first track; its best rendition."""
    tracks = presentation.audio_tracks()
    if not tracks:
        return None
    chosen = next((t for t in tracks if language and t.language == language), tracks[0])
    return chosen.by_bandwidth()[-1] if chosen.renditions else None


class Scheduler:
    """Fetches and feeds one presentation from ``config.start_s`` to its end (or ``until_s``)."""

    def __init__(
        self,
        *,
        presentation: Presentation,
        source: SegmentSource,
        sink: FeedSink,
        algorithm: Algorithm | AbrSession,
        clock: Callable[[], float],
        position: Callable[[], float | None],
        qoe: QoeTracker,
        keys: Awaitable[KeyRing] | None = None,
        config: SchedulerConfig | None = None,
        session_id: str | None = None,
        first_frame: asyncio.Event | None = None,
        init_cache: dict[tuple[str, str], bytes] | None = None,
    ) -> None:
        """``algorithm``: a fresh algorithm, or the :class:`~abr.session.AbrSession` of the run before a
        seek (its throughput estimate outlives the seek: the network did not change because the viewer jumped).

        ``first_frame``: set when libmpv shows the first picture. Until then only the segments that
        picture needs are fetched — the first video and audio segment for a start at 0, three for a
        start at a time (a seek, a resume: libmpv seeks exactly inside its cache once the *next*
        keyframe is demuxed, see ``MpvOutput``). Fetching and remuxing more competes with
        libmpv's open and decode for the CPU and the GIL its stream reads need (first frame ~3 ms
        later on 2 cores, ``benchmarks/startup.py``). The hold is bounded by ``FIRST_FRAME_HOLD_S``.

        ``init_cache``: init segments by (kind, rendition id), shared with the run before a seek so a
        seek does not fetch them again."""
        self.presentation = presentation
        self.source = source
        self.sink = sink
        self.clock = clock
        self.position = position
        self.qoe = qoe
        self.config = config or SchedulerConfig()
        self.session_id = session_id
        self.ladder = video_ladder(presentation, self.config.max_height)
        self.audio = pick_audio(presentation, self.config.audio_language)
        self._keys_awaitable = keys
        self._keys: KeyRing | None = None
        self._first_frame = first_frame
        # segments per track before the first frame: at 0 the first; at a time, the target's and the next
        # (its keyframe closes the target's GOP), plus one because the muxers (ours, lavf's interleaving)
        # hold the newest packets until a later one comes (measured: with 2, every seek waited out the hold)
        self._first_frame_needs = 1 if self.config.start_s <= 0 else 3
        self.init_cache = {} if init_cache is None else init_cache
        self._video = _TrackProgress()
        self._audio = _TrackProgress()
        first = self.ladder[0].segments
        if not first:
            raise PlaybackError("the video rendition has no segments")
        self.segment_duration_s = max(s.duration_s for s in first[: min(len(first), 8)])
        self.start_index = self._index_at(self.ladder[0], self.config.start_s)
        if isinstance(algorithm, AbrSession):
            self.abr = algorithm
        else:
            self.abr = AbrSession(
                algorithm=algorithm, bitrates_kbps=tuple(r.bandwidth / 1000.0 for r in self.ladder),
                segment_duration_s=self.segment_duration_s, buffer_capacity_s=self.config.buffer_capacity_s,
                segments_total=len(first), min_sample_bits=MIN_SAMPLE_BITS,
            )
        if self.config.start_s > 0:
            self.abr.seek(self.start_index)
        self.current_rung: int | None = None
        self.emergency_downswitches = 0
        self._video_advanced = asyncio.Event()

    # -- what we count -----------------------------------------------------------------------

    def playhead_s(self) -> float:
        pos = self.position()
        return self.config.start_s if pos is None else max(pos, 0.0)

    def buffer_s(self) -> float:
        """Media buffered ahead of the playhead, as we count it (video added to the feed minus position)."""
        if self._video.added_until_s is None:
            return 0.0
        return max(0.0, self._video.added_until_s - self.playhead_s())

    @property
    def buffered_until_s(self) -> float | None:
        """Media time up to which video has been handed to the feed (the seek bar's buffered range)."""
        return self._video.added_until_s

    @property
    def video_done(self) -> bool:
        """Every video segment up to the end (or ``until``) has been fed."""
        return self._video.done

    # -- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        tasks = [asyncio.create_task(self._run_video(), name="video")]
        if self.audio is not None:
            tasks.append(asyncio.create_task(self._run_audio(self.audio), name="audio"))
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        self.sink.finish()

    def _end_index(self, segments: tuple[SegmentRef, ...]) -> int:
        until = self.config.until_s
        if until is None:
            return len(segments)
        return next((i for i, s in enumerate(segments) if s.start_s >= until), len(segments))

    async def _run_video(self) -> None:
        segments = self.ladder[0].segments
        end = self._end_index(segments)
        for index in range(self.start_index, end):
            if index >= self.start_index + self._first_frame_needs:
                await self._hold_for_first_frame()
            await self._wait_for_room(segments[index].duration_s)
            below: int | None = None  # after an abandonment: the rung the algorithm stepped down to
            while True:
                state = self._abr_state(index)
                decision = self._choose(state)
                if decision.delay_s > 0:
                    await asyncio.sleep(decision.delay_s)
                outcome = await self._fetch_video(index, decision.rung if below is None else min(decision.rung, below),
                                                  state)
                if not isinstance(outcome, Abandoned):
                    break
                # as the simulator: not a throughput sample, but the algorithm hears of it; then ask again
                self.abr.downloaded(state, rung=outcome.rung, bits=outcome.received * 8.0, seconds=outcome.seconds,
                                    latency_s=outcome.latency_s, buffer_s=self.buffer_s(), abandoned=True,
                                    abandon_to=outcome.to_rung)
                self.qoe.abandoned(self.clock(), index=index, from_rung=outcome.rung, to_rung=outcome.to_rung,
                                   received=outcome.received)
                below = outcome.to_rung
            rung, fetched, init, ref, buffer_at_request = outcome
            self.abr.downloaded(state, rung=rung, bits=len(fetched.body) * 8.0, seconds=fetched.seconds,
                                latency_s=fetched.ttfb_s, buffer_s=self.buffer_s() + ref.duration_s)
            await self._feed("video", self.ladder[rung], init, ref, fetched, index, buffer_at_request, self._video)
            self.current_rung = rung
            self._signal_video_progress()
        self._video.done = True
        self._signal_video_progress()

    async def _fetch_video(
        self, index: int, rung: int, state: AbrState
    ) -> tuple[int, Fetched, bytes, SegmentRef, float] | Abandoned:
        """Fetch segment ``index`` at ``rung``, falling back when every CDN failed or stalled.

        A stall on every CDN is the viewer's own link saying this rung no longer fits: asking the same
        bytes again would stall again. Under ABR the segment is refetched at the lowest rung; at the
        lowest rung (or a rung pinned for QA) it is refetched *patiently* — no throughput floor, only
        the read timeout — so a slow link rebuffers instead of ending the session.

        Under ABR above the lowest rung, the download is watched while it runs (``state``: what the
        algorithm was told when it chose): ``Abandoned`` comes back when the algorithm gave up on it.
        """
        patient = False
        for attempt in range(LOWEST_RUNG_RETRIES + 1):
            rendition = self.ladder[rung]
            ref = self._segment(rendition, index)
            assert ref is not None
            buffer_at_request = self.buffer_s()
            flight = InFlight(self.clock) if self._may_abandon(rung) else None
            init_task = asyncio.ensure_future(self._init(rendition, "video"))
            media_task = asyncio.ensure_future(self.source.fetch(
                rendition, ref, kind="video", patient=patient,
                cmcd=self._cmcd(rendition, ref, ObjectType.VIDEO, buffer_at_request), on_progress=flight,
            ))
            abandoned: Abandoned | None = None
            try:
                if flight is not None:
                    abandoned = await self._watch(media_task, flight, state, rung)
                if abandoned is not None:
                    return abandoned
                init, fetched = await asyncio.gather(init_task, media_task)
                return rung, fetched, init, ref, buffer_at_request
            except FetchError as exc:
                if attempt == LOWEST_RUNG_RETRIES:
                    raise
                if rung > 0 and self.config.force_rung is None:
                    self.emergency_downswitches += 1
                    self.qoe.note("downswitch", self.clock(), index=index, from_rung=rung, error=type(exc).__name__)
                    rung = 0
                else:
                    patient = True
                    await asyncio.sleep(RETRY_PAUSE_S)
            finally:
                await cancel_all(init_task, media_task, why="abandoned by the ABR" if abandoned else "cancelled")
        raise AssertionError("unreachable")

    def _may_abandon(self, rung: int) -> bool:
        """Abandonment is the algorithm's call, so not on a pinned rung; and there is nothing below the lowest."""
        return rung > 0 and self.config.force_rung is None

    async def _watch(self, media: asyncio.Future[Fetched], flight: InFlight, state: AbrState,
                     rung: int) -> Abandoned | None:
        """Show the download's progress to the algorithm until it ends (``None``) or the algorithm abandons it."""
        while True:
            done, _ = await asyncio.wait((media,), timeout=ABANDON_CHECK_S)
            if done or not self._may_abandon(rung):
                return None
            if flight.received - flight.judged < ABANDON_CHECK_BYTES:
                continue
            flight.judged = flight.received
            progress = flight.progress(rung=rung, nominal_bits=state.segment_bits(0, rung), buffer_s=self.buffer_s())
            if progress is None:
                continue
            decision = self.abr.abandon(state, progress)
            if decision is not None:
                return Abandoned(rung=rung, to_rung=decision.rung, received=flight.received,
                                  seconds=progress.elapsed_s, latency_s=progress.latency_s)

    def _video_reached_s(self) -> float:
        reached = self._video.added_until_s
        return self.config.start_s if reached is None else reached

    def _signal_video_progress(self) -> None:
        """Wake the audio task (an Event per step: waiters hold the one that fires)."""
        advanced, self._video_advanced = self._video_advanced, asyncio.Event()
        advanced.set()

    async def _run_audio(self, rendition: Rendition) -> None:
        segments = rendition.segments
        end = self._end_index(segments)
        start = self._index_at(rendition, self.config.start_s)
        for index in range(start, end):
            ref = segments[index]
            if index >= start + self._first_frame_needs:
                await self._hold_for_first_frame()
            # follow the video, at most one segment ahead (so the first audio and video segments load together)
            while not self._video.done and ref.start_s >= self._video_reached_s() + self.segment_duration_s:
                await self._video_advanced.wait()
            buffer_at_request = self.buffer_s()
            init, fetched = await asyncio.gather(
                self._init(rendition, "audio"),
                self.source.fetch(
                    rendition, ref, kind="audio", cmcd=self._cmcd(rendition, ref, ObjectType.AUDIO, buffer_at_request)
                ),
            )
            await self._feed("audio", rendition, init, ref, fetched, index, buffer_at_request, self._audio)
        self._audio.done = True

    # -- steps ------------------------------------------------------------------------------

    async def _hold_for_first_frame(self) -> None:
        if self._first_frame is not None and not self._first_frame.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._first_frame.wait(), FIRST_FRAME_HOLD_S)

    async def _wait_for_room(self, duration_s: float) -> None:
        idle_since = self.clock()
        while self.buffer_s() + duration_s > self.config.buffer_capacity_s:
            await asyncio.sleep(POLL_S)
        idle = self.clock() - idle_since
        if idle > 0:
            self.abr.idle(idle)

    def _choose(self, state: AbrState) -> Decision:
        if self.config.force_rung is not None:
            return Decision(rung=max(0, min(self.config.force_rung, len(self.ladder) - 1)))
        return self.abr.choose(state)

    def _abr_state(self, index: int) -> AbrState:
        return self.abr.state(buffer_s=self.buffer_s(), segment_index=index, upcoming_sizes_bits=self._known_sizes(index))

    def _known_sizes(self, index: int, horizon: int = 5) -> tuple[tuple[float, ...], ...]:
        """Real segment sizes per rung when every rung announces byte ranges (HLS BYTERANGE, DASH sidx)."""
        rows = []
        for ahead in range(horizon):
            row = []
            for rendition in self.ladder:
                ref = self._segment(rendition, index + ahead, missing_ok=True)
                if ref is None or ref.byte_range is None:
                    return tuple(rows)
                row.append(ref.byte_range.length * 8.0)
            rows.append(tuple(row))
        return tuple(rows)

    async def _init(self, rendition: Rendition, kind: str) -> bytes:
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

    async def _key_for(self, rendition: Rendition) -> bytes | None:
        protection = rendition.protection or (rendition.segments[0].protection if rendition.segments else None)
        if protection is None or protection.scheme not in ("cenc", "cens"):
            return None
        if self._keys is None:
            if self._keys_awaitable is None:
                raise PlaybackError("this title is protected but no licence was requested")
            self._keys = await self._keys_awaitable
        kid = protection.default_kid or next(iter(self._keys.kids), None)
        if kid is None:
            raise PlaybackError("the licence holds no key")
        return self._keys.key_for(kid)

    async def _feed(
        self, kind: str, rendition: Rendition, init: bytes, ref: SegmentRef, fetched: Fetched, index: int,
        buffer_at_request: float, progress: _TrackProgress,
    ) -> None:
        key = await self._key_for(rendition)
        self.sink.add(kind, init, fetched.body, key=key, rendition_id=rendition.id)
        progress.added_until_s = ref.start_s + ref.duration_s
        self.qoe.failover(fetched.failovers)
        self.qoe.segment(
            SegmentRecord(
                index=index, type=kind, rendition=rendition.id, bitrate_kbps=round(rendition.bandwidth / 1000.0, 1),
                cdn=fetched.cdn, bytes=len(fetched.body), download_ms=round(fetched.seconds * 1000.0, 1),
                buffer_s=round(buffer_at_request, 3), duration_s=ref.duration_s, start_s=ref.start_s,
                at_s=round(self.clock() - fetched.seconds - self.qoe.opened_at, 3),
                estimate_kbps=round(self.abr.tracker.throughput_kbps, 1) if kind == "video" and self.abr.tracker.throughput_kbps else None,
            )
        )

    def _cmcd(self, rendition: Rendition, ref: SegmentRef, object_type: ObjectType, buffer_s: float) -> CmcdData:
        return CmcdData(
            bitrate_kbps=rendition.bandwidth / 1000.0,
            buffer_s=buffer_s,
            buffer_starved=self.abr.phase is not Phase.STARTUP and buffer_s <= 0.0,
            duration_s=ref.duration_s,
            throughput_kbps=self.abr.tracker.throughput_kbps,
            object_type=object_type,
            startup=self.abr.phase is not Phase.STEADY,
            top_bitrate_kbps=(self.ladder[-1].bandwidth / 1000.0) if object_type is ObjectType.VIDEO else None,
        )

    # -- lookups ----------------------------------------------------------------------------

    @staticmethod
    def _index_at(rendition: Rendition, time_s: float) -> int:
        if time_s <= 0:
            return 0
        index = rendition.segment_index_at(time_s)
        return index if index is not None else len(rendition.segments)

    def _segment(self, rendition: Rendition, index: int, *, missing_ok: bool = False) -> SegmentRef | None:
        segments = rendition.segments
        if len(segments) == len(self.ladder[0].segments):
            return segments[index] if index < len(segments) else None
        if index >= len(self.ladder[0].segments):
            return None
        ref = rendition.segment_at(self.ladder[0].segments[index].start_s)
        if ref is None and not missing_ok:
            raise PlaybackError(f"rendition {rendition.id!r} has no segment at index {index}")
        return ref

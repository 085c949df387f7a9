"""The segment scheduler: our ABR picks every video segment, our code counts the buffer.

DESIGN.md "We are the only downloader": one task per media type fetches segments from a
:class:`~player.source.SegmentSource` and hands them to the feed (remux → libmpv) —
:class:`~player.scheduling.video_loop.VideoLoop` (ABR, abandonment, emergency down-switch) and
:class:`~player.scheduling.audio_loop.AudioLoop` (follows the video). Every wait is on the injected
``Clock``, so the whole scheduler runs on ``ManualClock`` in tests.

First frame: until libmpv shows the first picture only the segments that picture needs are fetched —
the first video and audio segment for a start at 0; the first video segment for a start at a segment's
start or well inside it (libmpv opens the file with its start seek, see ``MuxFeed``), two for a start
just after its keyframe, near its end or in a Matroska stream (a seek, a resume: libmpv seeks exactly
inside its cache once the *next* keyframe is demuxed, see ``MpvOutput``), and one audio segment more
than video.
Fetching and remuxing more competes with libmpv's open and decode for the CPU and the GIL its stream
reads need (first frame ~3 ms later on 2 cores, ``benchmarks/startup.py``). The hold is bounded by
``FIRST_FRAME_HOLD_S``.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from abr.session import AbrSession
from abr.state import Algorithm
from drm_client import KeyRing
from player.feed.mux_feed import START_SEEK_MARGIN_S
from player.feed.mux_writers import TS_CODECS
from player.manifest import Presentation, Rendition, SegmentRef
from player.manifest.periods import codec_family
from player.net.clock import Clock
from player.qoe import QoeTracker
from player.scheduling.after_seek import kept_rung
from player.scheduling.audio_loop import AudioLoop
from player.scheduling.chunked import ChunkFetcher
from player.scheduling.ladder import Ladder, pick_audio
from player.init_cache import InitCache
from player.scheduling.segment_feed import FeedSink, SegmentFeed
from player.scheduling.start_pick import Carried, start_rung
from player.scheduling.timeline import Timeline
from player.scheduling.video_loop import VideoLoop
from player.scheduling.waits import FirstFrameGate
from player.source import SegmentSource

MIN_SAMPLE_BITS = 16_000 * 8  # smaller downloads say more about latency than throughput (Shaka: 16 kB)
ON_SEGMENT_START_S = 0.001  # a start this close after a segment's start is a start at its keyframe
LIVE_SEGMENTS = 10**6  # a live stream has no segment count; the ABR plans as if it never ends
FIRST_FRAME_HOLD_S = 0.25  # the longest later segments wait for the first frame (then buffering goes on)
MEDIA_SLACK_S = 0.1  # how far a segment's media may start after its manifest start (priming, composition offsets)
GOP_TAIL_S = 0.5  # ... and how close to its end a start still needs the next segment (see _seeks_at_open)


@dataclass(kw_only=True)
class SchedulerConfig:
    buffer_capacity_s: float = 30.0
    start_s: float = 0.0
    until_s: float | None = None
    force_rung: int | None = None  # pin the video quality (index into the ladder, lowest first)
    max_height: int | None = None  # plan cap from the backend
    audio_language: str | None = None
    live: LiveSegments | None = None  # a live presentation: segment lists grow while playing (issue 15)
    on_screen_rung: int | None = None  # a seek's new run: the rung of the frame on screen (``after_seek``)
    carried: Carried | None = None  # a new play: the link's estimate from earlier plays (``start_pick``)


class LiveSegments(Protocol):
    """What the loops need of a live follower (``player.live.follower.LiveFollower``)."""

    def presentation(self) -> Presentation: ...

    async def wait_update(self) -> None: ...

    def ended(self) -> bool:
        """The live event is over (EXT-X-ENDLIST, or the MPD became static): no segment will follow."""

    @property
    def chunks(self) -> ChunkFetcher | None:
        """Low latency: segments fetched and fed chunk by chunk; None: whole segments."""

    def hold_back_s(self) -> float:
        """The latency held behind live: the most media a live buffer can ever hold."""

    def oldest_s(self) -> float:
        """Where the DVR window begins now: the channel has deleted the media before it."""


class Scheduler:
    """Fetches and feeds one presentation from ``config.start_s`` to its end (or ``until_s``)."""

    def __init__(
        self, *, presentation: Presentation, source: SegmentSource, sink: FeedSink,
        algorithm: Algorithm | AbrSession, clock: Clock, position: Callable[[], float | None], qoe: QoeTracker,
        keys: Callable[[], Awaitable[KeyRing]] | None = None, config: SchedulerConfig | None = None,
        init_cache: InitCache | None = None,
    ) -> None:
        """``algorithm``: a fresh algorithm, or the :class:`~abr.session.AbrSession` of the run before a
        seek (its throughput estimate outlives the seek: the network did not change because the viewer jumped).

        ``init_cache``: shared with the run before a seek so a seek does not fetch the inits again."""
        self.config = config or SchedulerConfig()
        self.sink, self.qoe, self.clock = sink, qoe, clock
        self.ladder = Ladder.of(presentation, self.config.max_height, self.config.audio_language)
        qoe.ladder_kind = self.ladder.kind
        self.audio: Rendition | None = pick_audio(presentation, self.config.audio_language)
        self.segment_duration_s = self.ladder.segment_duration_s
        if self.config.force_rung is not None:
            self.ladder.check_rung(self.config.force_rung)
        start_index = self.ladder.index_at(self.config.start_s, self.config.force_rung)
        fresh = not isinstance(algorithm, AbrSession)
        if isinstance(algorithm, AbrSession):
            self.abr = algorithm
        else:
            self.abr = AbrSession(
                algorithm=algorithm, bitrates_kbps=tuple(r.bandwidth / 1000.0 for r in self.ladder.renditions),
                segment_duration_s=self.segment_duration_s, buffer_capacity_s=self._abr_capacity_s(),
                segments_total=LIVE_SEGMENTS if self.config.live else len(self.ladder.timeline),
                min_sample_bits=MIN_SAMPLE_BITS,
            )
        if self.config.start_s > 0:
            self.abr.seek(start_index)
        self.timeline = Timeline(self.config.start_s, position, qoe.paused_s)
        self.gate = FirstFrameGate(clock, FIRST_FRAME_HOLD_S)
        self.feed = SegmentFeed(source=source, sink=sink, qoe=qoe, clock=clock, abr=self.abr,
                                top_kbps=self.ladder[-1].bandwidth / 1000.0, keys=keys,
                                init_cache=InitCache() if init_cache is None else init_cache, live=self.config.live)
        # segments per track before the first frame: at 0, or at a segment's start (its keyframe is the
        # target: MpvOutput shows it without a seek), the first; inside a segment, the target's and the
        # next, whose keyframe closes the target's GOP so that libmpv can seek exactly inside its cache.
        # Audio one more after a start at a time: its segments do not end where video's do (AAC frames),
        # and libmpv starts only with audio past the first frame (a seek to 10.0 s got audio 8.0-10.005 s)
        chunks = self.config.live.chunks if self.config.live is not None else None
        starts = self.ladder.timeline
        on_start = start_index >= len(starts) or self.config.start_s - starts[start_index].start_s < ON_SEGMENT_START_S
        needs = 1 if on_start or self._seeks_at_open(start_index) else 2
        kept = kept_rung(self.config.on_screen_rung, self.abr.tracker.throughput_kbps, self.abr.bitrates_kbps,
                         _last_download_age(qoe, clock))
        pick = fresh and kept is None and self.config.force_rung is None  # a pinned rung is the viewer's pick
        started = start_rung(self.config.carried, self.abr.bitrates_kbps) if pick else None
        self.video = VideoLoop(
            ladder=self.ladder, abr=self.abr, timeline=self.timeline, feed=self.feed, source=source, clock=clock,
            qoe=qoe, gate=self.gate, capacity_s=self.config.buffer_capacity_s, until_s=self.config.until_s,
            start_index=start_index, first_frame_needs=needs, pinned=self.config.force_rung,
            first_rung=kept if kept is not None else started,
            grow=self._grow_video if self.config.live else None, chunks=chunks,
        )
        self.audio_loop = None if self.audio is None else AudioLoop(
            rendition=self.audio, timeline=self.timeline, feed=self.feed, source=source, gate=self.gate,
            until_s=self.config.until_s, lead_s=self.segment_duration_s, first_frame_needs=needs + (1 if self.config.start_s > 0 else 0), clock=clock,
            grow=self._grow_audio if self.config.live else None, chunks=chunks,
        )

    def _seeks_at_open(self, start_index: int) -> bool:
        """Whether the feed will open a start inside segment ``start_index`` with libmpv's start seek
        (``MuxFeed``: MPEG-TS, the target ``START_SEEK_MARGIN_S`` past the keyframe), which needs no next
        keyframe — judged from the manifest, with slack for media starting a little after its segment.
        Not in the segment's last ``GOP_TAIL_S``: the decoder hands out the GOP's last frames only with
        the packets after them."""
        start, end = self.ladder.timeline[start_index].start_s, self.ladder.timeline[start_index].end_s
        if not START_SEEK_MARGIN_S + MEDIA_SLACK_S <= self.config.start_s - start <= end - start - GOP_TAIL_S:
            return False
        families = {codec_family(r.codecs) for r in (*self.ladder.renditions, *([self.audio] if self.audio else ()))}
        return None not in families and families <= TS_CODECS

    # -- what the session and front ends read -------------------------------------------------

    def buffer_s(self) -> float:
        """Video buffered (VOD: what the ABR plans with); live: what libmpv can play, the least-fed track's
        (the latency controller spends it when catching up)."""
        return self.timeline.playable_s() if self.config.live is not None else self.timeline.buffer_s()

    @property
    def buffered_until_s(self) -> float | None:
        """Media time up to which video has been handed to the feed (the seek bar's buffered range)."""
        return self.timeline.video.added_until_s

    @property
    def video_done(self) -> bool:
        """Every video segment up to the end (or ``until``) has been fed."""
        return self.timeline.video.done

    @property
    def current_rung(self) -> int | None:
        return self.video.current_rung

    @property
    def skipped(self) -> list[SegmentRef]:
        """Segments not played: EXT-X-GAP, or delivered by no CDN (each also in the report's errors)."""
        return self.feed.skipped

    @property
    def init_cache(self) -> InitCache:
        return self.feed.init_cache

    def estimate(self) -> Carried | None:
        """The throughput estimate now and the age of its last download (what a later play may start from)."""
        kbps, age_s = self.abr.tracker.throughput_kbps, _last_download_age(self.qoe, self.clock)
        return None if kbps is None or age_s is None else Carried(kbps=kbps, age_s=age_s)

    def first_frame_shown(self) -> None:
        """libmpv shows the first picture: later segments need not wait any more."""
        self.gate.shown.set()

    def pin(self, rung: int | None) -> None:
        """Pin the video rung from the next segment on (``None``: back to the ABR). Does not touch the buffer."""
        self.config.force_rung = rung
        self.video.pinned = rung

    # -- live: segment lists that grow ----------------------------------------------------------
    def _abr_capacity_s(self) -> float:
        """The buffer the ABR plans with: live never holds more than its latency target plus the segment
        just fetched (3.5 s for LL with 2 s segments, 8 s for standard HLS: the buffers
        ``benchmarks/abr_live.py`` scores), so planning toward a VOD-sized one would count a shortfall no
        choice fills."""
        if self.config.live is None:
            return self.config.buffer_capacity_s
        return min(self.config.buffer_capacity_s, self.config.live.hold_back_s() + self.ladder.segment_duration_s)

    async def _grow_video(self) -> Ladder | None:
        """Wait for new live segments; the ladder with them, or None once the event is over and all is listed."""
        live = self.config.live
        assert live is not None
        seen = _newest_end_s(self.ladder.timeline)
        self.ladder = Ladder.of(live.presentation(), self.config.max_height, self.config.audio_language)
        if _newest_end_s(self.ladder.timeline) <= seen:  # nothing new since the loop looked: wait for the follower
            await live.wait_update()  # raises LiveStreamStopped when the manifest has stopped advancing
            self.ladder = Ladder.of(live.presentation(), self.config.max_height, self.config.audio_language)
            if _newest_end_s(self.ladder.timeline) <= seen and live.ended():
                return None
        return self.ladder

    async def _grow_audio(self) -> Rendition | None:
        """Like :meth:`_grow_video` for the audio rendition (None: the event is over)."""
        live = self.config.live
        assert live is not None
        seen = _newest_end_s(self.audio.segments if self.audio else ())
        self.audio = pick_audio(live.presentation(), self.config.audio_language) or self.audio
        if self.audio is None or _newest_end_s(self.audio.segments) <= seen:
            await live.wait_update()
            self.audio = pick_audio(live.presentation(), self.config.audio_language) or self.audio
            if (self.audio is None or _newest_end_s(self.audio.segments) <= seen) and live.ended():
                return None
        return self.audio

    # -- the run ----------------------------------------------------------------------------

    async def run(self) -> None:
        tasks = [asyncio.create_task(self.video.run(), name="video")]
        if self.audio_loop is not None:
            tasks.append(asyncio.create_task(self.audio_loop.run(), name="audio"))
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        self.sink.finish()


def _newest_end_s(segments: Sequence[SegmentRef]) -> float:
    """Where a live list ends: it grew when this moved on (its length does not say so once old segments are let
    go; only the newest segment's own length may still shrink, when a segment announced early is listed whole)."""
    return segments[-1].end_s if segments else float("-inf")


def _last_download_age(qoe: QoeTracker, clock: Clock) -> float | None:
    """Seconds since the last ladder segment's request was issued (None before any)."""
    last = max((s.at_s for s in qoe.ladder_segments() if s.at_s is not None), default=None)
    return None if last is None else qoe.since_open(clock.now()) - last

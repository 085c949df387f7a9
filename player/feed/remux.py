"""Incremental remuxer: segments of any kind in, one continuous stream for libmpv out, no I/O.

Why one continuous stream: libmpv (mpv 0.35 / FFmpeg 5.1) skips a second fMP4 ``moov`` mid-stream
and keeps decoding with the first rendition's configuration, so an fMP4 rendition switch corrupts
the picture. The container we write carries configuration in-band — MPEG-TS for H.264/HEVC/AAC/AC-3
(Annex-B parameter sets, ADTS), Matroska for VP9/AV1/Opus/FLAC (configuration in the bitstream) —
so every switch, up or down, on either track, is just more bytes (PLATFORM.md, "Feeding segments to
libmpv"; :mod:`.mux_writers`). The container is chosen from the codecs of the first segments.

Per segment: read it whatever it is (:mod:`.media_input`: CMAF, MPEG-TS, packed audio, WebM;
AES-128 and CENC decrypted in memory), rewrite samples for the container (:mod:`.bitstream`), put
them on the presentation timeline (:class:`Timeline`), then interleave the tracks by DTS — audio and
video segment boundaries differ, so samples are held until every track has reached the same time.

Usage (like httpx's incremental decoders): ``add_segment(...)`` as segments arrive, ``read()`` to
drain what is ready, ``flush()`` once at end of stream, then a last ``read()``.
"""
from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from .bitstream import AdtsConfig, VideoConfig, adts_frame, parse_audio_specific_config, parse_avcc, parse_hvcc, to_annexb
from .errors import FeedError, SegmentFormatError, TrackChangeUnsupported
from .media_input import Aes128Key, read_segment
from .mux_writers import MuxWriter, Sink, container_for, make_writer
from .segment_reader import TS_CLOCK, DemuxedSegment, Sample, release
from .silence import Stretch, merged, placeholder_aac, silent_samples
from .timeline import Timeline

_TRACK_ORDER = {"video": 0, "audio": 1}
HOLE_S = 0.5  # missing media a viewer notices; encoders' frame gaps at segment edges are far shorter
#: a new timeline (Period, discontinuity) starting this much before the media already fed ends: its first frames
#: would be crushed into the muxer's next ticks (AAC priming at a splice is 20–100 ms)
OVERLAP_S = 0.2
CUT_SLACK = 90  # 1 ms: a Period's end and its media's timestamps are rounded on different clocks
KEYFRAMES_KEPT = 512  # video keyframes remembered for seeks inside libmpv's cache (17 min of 2 s segments)


class PeriodWindow(NamedTuple):
    """Where a DASH Period starts and ends on the presentation timeline (None: no Period before, or after)."""

    start_s: float | None
    end_s: float | None


@dataclass
class TrackFed:
    """What one track brought into the stream (the report's tracks played)."""

    codec: str
    samples: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class DroppedVideo:
    """Video frames left out after a rendition switch because the segment did not start with a keyframe."""

    at_s: float
    seconds: float
    rendition_id: str


@dataclass(frozen=True)
class Hole:
    """A stretch of one track's timeline with no media (a segment shorter than the manifest says, a gap in its
    timeline), or with ``overlap``: the start of a new timeline that the media before it runs past, whose frames
    the muxer can only crush into the ticks after that media (DASH Period or HLS discontinuity times that lie)."""

    kind: str
    from_s: float
    to_s: float
    overlap: bool = False


class Remuxer:
    """Turn per-track segments into one MPEG-TS or Matroska byte stream (not thread-safe: one caller).

    ``tracks``: the tracks fed separately; audio that arrives inside video segments (muxed HLS
    variants) is taken too when ``audio`` is not among them. ``container``: force one (tests);
    by default the first segments' codecs decide.
    """

    def __init__(self, *, tracks: Sequence[str] = ("video", "audio"), container: str | None = None,
                 carried_audio: bool = False) -> None:
        if not tracks or any(t not in _TRACK_ORDER for t in tracks) or len(set(tracks)) != len(tracks):
            raise ValueError(f"tracks must be a non-empty subset of ('video', 'audio'), got {tracks!r}")
        self.tracks = tuple(tracks)
        self.container = container
        self.timeline = Timeline()
        self._sink = Sink()
        self._writer: MuxWriter | None = None
        self._first: dict[str, DemuxedSegment] = {}
        self.fed: dict[str, TrackFed] = {}
        self._renditions: dict[str, str] = {}
        self._added_until: dict[str, int] = {}  # end (dts + duration) of the last sample added, 90 kHz
        self._last_dts: dict[str, int] = {}
        self._pending: list[tuple[int, int, int, str, Sample]] = []
        self._seq = itertools.count()
        self._closed = False
        self.keyframes: deque[tuple[int, int]] = deque(maxlen=KEYFRAMES_KEPT)  # video (pts, duration), 90 kHz
        self.first_dts: int | None = None  # of the first sample muxed (libavformat shifts a negative one to 0)
        self.dropped: list[DroppedVideo] = []  # video frames cut at rendition switches (see _from_keyframe)
        self._awaiting_keyframe = False
        self.holes: list[Hole] = []  # media missing inside a track (see _note_holes)
        self._timelines: dict[str, int] = {}  # the timeline of each track's last segment
        self._shown_until: dict[str, int] = {}  # end (pts + duration) of the latest sample added, 90 kHz
        self._audio_like: DemuxedSegment | None = None  # the last muxed audio seen: what silence must match
        self._audio_timeline: int | None = None  # the timeline that audio was on
        self._carried_audio = carried_audio and "audio" not in self.tracks  # the variant's CODECS promise AAC in it
        self.silences: list[Stretch] = []  # where a muxed variant's segments carried no audio (see _fill_silence)
        self.stills: list[Stretch] = []  # where a video playlist's segments carried audio alone (see _note_still)

    # -- public face -------------------------------------------------------------------------

    def add_segment(
        self, kind: str, init: bytes, data: bytes, *, key: bytes | None = None, rendition_id: str,
        aes: Aes128Key | None = None, start_s: float | None = None, timeline: int = 0,
        media_offset_s: float | None = None, window: PeriodWindow | None = None,
    ) -> None:
        """Queue one media segment of ``kind`` (with its rendition's init segment, if any, and its key).

        ``start_s``/``timeline``: where the manifest puts the segment and which discontinuity
        sequence (HLS) or period (DASH) it belongs to, and ``media_offset_s`` the offset from media time the
        manifest gives (DASH); see :class:`Timeline`. ``window``: where its DASH Period starts and ends,
        when others come before or after: the media outside it is cut (:func:`_cut_before`, :func:`_cut_at`).
        """
        if self._closed:
            raise FeedError("remuxer already flushed")
        if kind not in self.tracks:
            raise ValueError(f"track {kind!r} was not declared (tracks={self.tracks})")
        parts = read_segment(kind, init, data, key=key, aes=aes, with_audio="audio" not in self.tracks,
                             templates=self._writer is None)
        if not parts:
            return  # a segment with no sample (``read_segment``): nothing to queue; its track ends where it did
        try:
            self._queue(kind, parts, rendition_id, start_s=start_s, timeline=timeline, media_offset_s=media_offset_s,
                        window=window)
        finally:  # the demuxers' containers: the first of each track stay open until the writer copies them
            release(parts, keep=() if self._writer is not None else self._first.values())
        self._emit(until=self._ready_until())

    def _queue(self, kind: str, parts: tuple[DemuxedSegment, ...], rendition_id: str, *, start_s: float | None,
               timeline: int, media_offset_s: float | None = None, window: PeriodWindow | None = None) -> None:
        """Put ``parts``' samples on the timeline and in the interleaving heap."""
        shift = self.timeline.shift(parts, start_s=start_s, timeline=timeline, media_offset_s=media_offset_s)
        if window is not None and window.start_s is not None:
            parts = self._cut_before(parts, round(window.start_s * TS_CLOCK) - shift, shift)
        if window is not None and window.end_s is not None:
            parts = tuple(_cut_at(part, round(window.end_s * TS_CLOCK) - shift) for part in parts)
        for part in parts:
            self._check_codec(part, rendition_id)
        parts = tuple(self._from_keyframe(part, rendition_id, shift) for part in parts)
        parts = self._fill_silence(parts, shift, timeline)
        self._note_holes(parts, shift, timeline)
        parts = self._bridge(parts, shift)
        for part in parts:
            if self._writer is not None and part.kind not in self._first:
                raise TrackChangeUnsupported(
                    f"{part.kind} starts at {(part.samples[0].pts + shift) / TS_CLOCK:.1f} s in a stream that began "
                    f"without it (a part with no {part.kind} where the play started): one stream cannot add a track")
            payloads = self._rewrite(part)
            self._first.setdefault(part.kind, part)
            fed = self.fed.setdefault(part.kind, TrackFed(codec=part.codec))
            fed.samples += len(part.samples)
            fed.seconds += _span(part.samples) / TS_CLOCK
            self._renditions[part.kind] = rendition_id
            for sample, payload in zip(part.samples, payloads):
                moved = Sample(pts=sample.pts + shift, dts=sample.dts + shift, duration=sample.duration, data=payload,
                               keyframe=sample.keyframe)
                heapq.heappush(self._pending, (moved.dts, _TRACK_ORDER[part.kind], next(self._seq), part.kind, moved))
                if moved.keyframe and part.kind == "video":
                    self.keyframes.append((moved.pts, moved.duration))
                self._added_until[part.kind] = max(self._added_until.get(part.kind, moved.dts), moved.dts + moved.duration)
                self._shown_until[part.kind] = max(self._shown_until.get(part.kind, moved.pts), moved.pts + moved.duration)
        if kind not in {p.kind for p in parts}:  # audio-only segments in a playlist listed as video
            self._note_still(kind, parts, shift)
            self._added_until[kind] = max(self._added_until[p.kind] for p in parts)

    def read(self) -> bytes:
        """Drain the bytes muxed so far (possibly empty)."""
        out = bytes(self._sink.buffer)
        self._sink.buffer.clear()
        return out

    def flush(self) -> None:
        """End of stream: mux everything still held for interleaving and write the trailer."""
        if self._closed:
            return
        self._emit(until=None)
        if self._writer is not None:
            self._writer.close()
        self._closed = True

    def added_until_s(self, kind: str) -> float | None:
        """Media time (s) at the end of the last segment added for ``kind``, or None before the first."""
        end = self._added_until.get(kind)
        return None if end is None else end / TS_CLOCK

    def rendition(self, kind: str) -> str | None:
        """The rendition id of the last segment added for ``kind``."""
        return self._renditions.get(kind)

    # -- internals ---------------------------------------------------------------------------

    def _check_codec(self, part: DemuxedSegment, rendition_id: str) -> None:
        first = self._first.get(part.kind)
        if first is not None and first.codec != part.codec:
            raise TrackChangeUnsupported(
                f"{part.kind} codec changes from {first.codec} to {part.codec} at rendition {rendition_id!r}")

    def _cut_before(self, parts: tuple[DemuxedSegment, ...], start: int, shift: int) -> tuple[DemuxedSegment, ...]:
        """``parts`` without their media before their Period's ``start`` (:func:`_cut_before`); where that leaves the
        first media of a track in this stream later than the start (a Period, or a new stream part after a codec
        change, starting inside a GOP), the hole is noted here: nothing fed before it to measure it by."""
        cut = tuple(_cut_before(part, start) for part in parts)
        for before, after in zip(parts, cut):
            if after is before or not before.samples or before.kind in self._added_until:
                continue
            shown_from = (min(s.pts for s in after.samples[:16]) if after.samples
                          else max(s.pts + s.duration for s in before.samples))
            if shown_from - start > HOLE_S * TS_CLOCK:
                self.holes.append(Hole(kind=before.kind, from_s=(start + shift) / TS_CLOCK,
                                       to_s=(shown_from + shift) / TS_CLOCK))
        return cut

    def _fill_silence(self, parts: tuple[DemuxedSegment, ...], shift: int, timeline: int) -> tuple[DemuxedSegment, ...]:
        """``parts`` plus silence where a muxed variant's video segment, on a timeline after the one its audio was on,
        comes without audio (an ad slate across a discontinuity: :mod:`.silence`), from where that audio ended to
        where this video ends.

        Only muxed audio, only across a timeline change (within one, an encoder's audio packets may trail the video
        by more than a segment: the next segment brings them), and only a stretch a viewer would notice (``HOLE_S``).
        A separate audio playlist's missing media is a hole the play must name.
        """
        for part in parts:
            if part.kind == "audio" and part.samples:
                self._audio_like = replace(part, samples=part.samples[:1], template=None)
                self._audio_timeline = timeline
        video = next((p for p in parts if p.kind == "video" and p.samples), None)
        if "audio" in self.tracks or video is None or any(p.kind == "audio" for p in parts):
            return parts
        placeholder = self._placeholder() if self._audio_like is None else None
        like = placeholder or self._audio_like
        if like is None or (placeholder is None and timeline == self._audio_timeline):
            return parts
        start = self._added_until.get("audio", min(s.pts for s in video.samples[:16]) + shift)
        end = max(s.pts + s.duration for s in video.samples) + shift
        noticed = end - start > HOLE_S * TS_CLOCK or placeholder is not None  # a placeholder must declare the track
        silence = silent_samples(like, start - shift, end - shift) if noticed else ()
        if not silence:  # a sliver (its audio may come in the next segment's packets), or a codec we cannot match
            release([placeholder] if placeholder is not None else [])
            return parts
        self.silences = merged([*self.silences, Stretch(from_s=start / TS_CLOCK, to_s=end / TS_CLOCK)])
        if placeholder is not None:  # its template declares the track to the muxer; later fills copy it
            self._audio_like = replace(placeholder, template=None)
        return (*parts, replace(like, samples=silence))

    def _bridge(self, parts: tuple[DemuxedSegment, ...], shift: int) -> tuple[DemuxedSegment, ...]:
        """``parts`` plus silence across a hole in a separately fed audio track (a segment no CDN delivered, an
        EXT-X-GAP, a segment cut short), from where its audio ended to where this segment's starts. The hole is
        named all the same (``holes``, noted before); but with no audio for libmpv's clock to follow, it froze the
        picture for the hole and then raced it at ~1.7× out of step (avsync 1.7 s), where with silence the picture
        plays on in step. Whole frames only, each before this segment's first: audio DTS stay in order."""
        audio = next((p for p in parts if p.kind == "audio" and p.samples), None)
        end = self._added_until.get("audio")
        if "audio" not in self.tracks or audio is None or end is None:
            return parts
        first = min(s.dts for s in audio.samples[:16])
        if first + shift - end <= HOLE_S * TS_CLOCK:
            return parts
        silence = silent_samples(audio, end - shift, first)
        whole = tuple(s for s in silence if s.dts + s.duration <= first)
        return (*parts, replace(audio, samples=whole, template=None)) if whole else parts

    def _placeholder(self) -> DemuxedSegment | None:
        """A silent AAC track for a stream whose first segment carries none of the audio its variant promises
        (:func:`.silence.placeholder_aac`); None once the muxer has its tracks, or when none is promised."""
        if not self._carried_audio or self._writer is not None or "audio" in self._first:
            return None
        return placeholder_aac()

    def _note_still(self, kind: str, parts: Sequence[DemuxedSegment], shift: int) -> None:
        """A video playlist's segment that carried audio alone (an audio-only ad spliced across a discontinuity):
        libmpv holds the last picture over it, as plain libmpv does. Whole as media, but a QA engineer may not
        expect a still, so the stretch is kept (``stills``) for the report to name."""
        samples = [s for p in parts for s in p.samples]
        if kind != "video" or not samples:
            return
        start = self._added_until.get(kind, min(s.pts for s in samples[:16]) + shift)
        end = max(s.pts + s.duration for s in samples) + shift
        if end - start > HOLE_S * TS_CLOCK:
            self.stills = merged([*self.stills, Stretch(from_s=start / TS_CLOCK, to_s=end / TS_CLOCK)])

    def _note_holes(self, parts: Sequence[DemuxedSegment], shift: int, timeline: int) -> None:
        """Record media missing between the last segment of a track and this one, and a new timeline that starts
        inside the media already fed (``holes``).

        A segment cut short at a packet boundary is structurally whole — no check on the bytes sees
        it — but its media ends early, and the next segment starts where the manifest says: the
        viewer gets a frozen picture or silence, and a QA run must say so. The other way round, a Period
        starting before the last one's media ends (or an EXTINF before a discontinuity understated) puts the
        new timeline's first frames behind what was fed: they would be shown in a blink, and the play was
        called complete (session 41's QA pass).
        """
        for part in parts:
            end = self._added_until.get(part.kind)
            new_timeline = self._timelines.get(part.kind, timeline) != timeline
            self._timelines[part.kind] = timeline
            if end is None or not part.samples:
                continue
            start = min(s.dts for s in part.samples[:16]) + shift
            if start - end > HOLE_S * TS_CLOCK:
                self.holes.append(Hole(kind=part.kind, from_s=end / TS_CLOCK, to_s=start / TS_CLOCK))
            # presentation times on both sides: the B-frame delay before a splice and after it may differ
            shown_from, shown_until = min(s.pts for s in part.samples[:16]) + shift, self._shown_until[part.kind]
            if new_timeline and shown_until - shown_from > OVERLAP_S * TS_CLOCK:
                self.holes.append(Hole(kind=part.kind, from_s=shown_from / TS_CLOCK, to_s=shown_until / TS_CLOCK,
                                       overlap=True))

    def _from_keyframe(self, part: DemuxedSegment, rendition_id: str, shift: int) -> DemuxedSegment:
        """Video of a new rendition starts at a keyframe: the frames before it are dropped.

        Segments need not start with a keyframe (ffmpeg's ``-hls_flags split_by_time``, many live
        encoders). Within one rendition that is harmless; after a switch those frames refer to
        pictures of the other rendition and every one decodes as garbage (83 decoder errors on one
        switch). Dropped, the last picture holds until the keyframe, as hls.js does after a level
        switch; each drop is kept in ``dropped`` for the report.
        """
        if part.kind != "video":
            return part
        switched = self._renditions.get("video", rendition_id) != rendition_id
        if not (switched or self._awaiting_keyframe):
            return part
        first = next((i for i, s in enumerate(part.samples) if s.keyframe), len(part.samples))
        self._awaiting_keyframe = first == len(part.samples)
        if first == 0:
            return part
        cut = part.samples[:first]
        self.dropped.append(DroppedVideo(at_s=(cut[0].pts + shift) / TS_CLOCK, seconds=_span(cut) / TS_CLOCK,
                                         rendition_id=rendition_id))
        end = max(s.dts + s.duration for s in cut) + shift
        self._added_until["video"] = max(self._added_until.get("video", end), end)  # audio need not wait for it
        return replace(part, samples=part.samples[first:])

    def _rewrite(self, part: DemuxedSegment) -> list[bytes]:
        """H.264/HEVC become Annex-B with parameter sets in either container (a switch decodes cleanly in
        Matroska too, beside Opus); AAC gets ADTS headers only in MPEG-TS (Matroska keeps its config)."""
        if part.in_band:
            return [s.data for s in part.samples]
        try:
            if part.codec in ("h264", "hevc"):
                return _rewrite_video(part)
            ts = (self.container or container_for({p.codec for p in self._codecs(part)})) == "mpegts"
            if part.codec == "aac" and ts:
                return _rewrite_aac(part)
        except ValueError as exc:
            raise SegmentFormatError(f"{part.kind} sample layout is invalid: {exc}") from exc
        return [s.data for s in part.samples]  # AC-3 / E-AC-3 frames are self-describing

    def _codecs(self, part: DemuxedSegment) -> list[DemuxedSegment]:
        return [*self._first.values(), part]

    def _ready_until(self) -> int | None:
        """Samples with DTS below this are safe to mux: every declared track has reached it."""
        if any(t not in self._added_until for t in self.tracks):
            return -1
        return min(self._added_until[t] for t in self.tracks)

    def _open_writer(self) -> MuxWriter:
        if self._writer is None:
            self.container = self.container or container_for({p.codec for p in self._first.values()})
            self._writer = make_writer(self.container, self._sink)
            for kind in sorted(self._first, key=_TRACK_ORDER.__getitem__):
                self._writer.add_track(self._first[kind])
            release(self._first.values())  # each track's template is copied
        return self._writer

    def _emit(self, *, until: int | None) -> None:
        if until == -1 or (until is not None and not self._pending):
            return
        batch: list[tuple[str, Sample]] = []
        while self._pending and (until is None or self._pending[0][0] < until):
            _, _, _, kind, sample = heapq.heappop(self._pending)
            batch.append((kind, self._monotonic(kind, sample)))
        if batch:
            self.first_dts = batch[0][1].dts if self.first_dts is None else self.first_dts
            self._open_writer().write(batch)

    def _monotonic(self, kind: str, sample: Sample) -> Sample:
        """Overlapping renditions: keep DTS strictly increasing per track for the muxer."""
        last = self._last_dts.get(kind)
        if last is None or sample.dts > last:
            self._last_dts[kind] = sample.dts
            return sample
        self._last_dts[kind] = last + 1
        return Sample(pts=max(sample.pts, last + 1), dts=last + 1, duration=sample.duration, data=sample.data,
                      keyframe=sample.keyframe)


def _cut_before(part: DemuxedSegment, start: int) -> DemuxedSegment:
    """``part`` without the samples that start before ``start`` (90 kHz, the part's own clock, ``CUT_SLACK`` allowed),
    its Period's start. Video starts at its first keyframe there, in decode order: the frames before it refer to
    pictures that are cut. Split at a keyframe (an ad marker conditioned as an IDR), nothing more is lost; split
    inside a GOP, the picture is missing until the next keyframe and the play names the hole — MSE's append window
    freezes the picture there too."""
    early = [s.pts < start - CUT_SLACK for s in part.samples]
    if not any(early):
        return part
    if part.kind == "video":
        first = next((i for i, s in enumerate(part.samples) if s.keyframe and not early[i]), len(part.samples))
        return replace(part, samples=tuple(s for s, cut in zip(part.samples[first:], early[first:]) if not cut))
    return replace(part, samples=tuple(s for s, cut in zip(part.samples, early) if not cut))


def _cut_at(part: DemuxedSegment, end: int) -> DemuxedSegment:
    """``part`` without the samples its Period does not present: those that start at ``end`` or later (90 kHz, on the
    part's own clock, ``CUT_SLACK`` allowed for rounding). A frame that starts before the end stays whole: media a few
    milliseconds longer than its Period (29.97 fps in whole seconds) loses nothing, where MSE's append window needs
    Shaka Player's 10 ms fudge. Video loses every sample from the first cut one in decode order on, since those after
    it may refer to it, as that window drops them."""
    past = [s.pts >= end - CUT_SLACK for s in part.samples]
    if not any(past):
        return part
    if part.kind == "video":
        return replace(part, samples=part.samples[:past.index(True)])
    return replace(part, samples=tuple(s for s, cut in zip(part.samples, past) if not cut))


def _span(samples: Sequence[Sample]) -> int:
    """Media time a segment's samples cover (90 kHz); a last sample without a duration counts one step."""
    if not samples:
        return 0
    last = samples[-1]
    step = last.duration or ((last.dts - samples[0].dts) // max(1, len(samples) - 1))
    return last.dts - samples[0].dts + step


def _video_config(segment: DemuxedSegment) -> VideoConfig:
    if segment.codec == "h264":
        return parse_avcc(segment.extradata)
    if segment.codec == "hevc":
        return parse_hvcc(segment.extradata)
    raise ValueError(f"video codec {segment.codec!r} cannot go into MPEG-TS (h264, hevc)")


def _rewrite_video(segment: DemuxedSegment) -> list[bytes]:
    """Annex-B samples, the rendition's parameter sets before the first one (ISO/IEC 14496-15 §5.3.2)."""
    config = _video_config(segment)
    out = [to_annexb(s.data, config.nal_length_size) for s in segment.samples]
    if out:
        out[0] = config.parameter_sets + out[0]
    return out


def _rewrite_aac(segment: DemuxedSegment) -> list[bytes]:
    """ADTS frames built from this rendition's AudioSpecificConfig, so a switch may change it."""
    config: AdtsConfig = parse_audio_specific_config(segment.extradata)
    return [adts_frame(s.data, config) for s in segment.samples]

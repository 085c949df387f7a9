"""Incremental CMAF → MPEG-TS remuxer: segments in, one continuous transport stream out, no I/O.

Why MPEG-TS: libmpv (mpv 0.35 / FFmpeg 5.1) skips a second fMP4 ``moov`` mid-stream and keeps
decoding with the first rendition's SPS/PPS, so an fMP4 rendition switch corrupts the picture.
A transport stream carries its decoder configuration in-band (ISO/IEC 13818-1), so every switch —
up or down, on either track, between renditions with different timescales — is just more bytes
(PLATFORM.md, "Feeding segments to libmpv: what was shown to work").

Per segment: demux it with its own init (:mod:`.segment_reader`, CENC decrypted and verified),
rewrite video to Annex-B with the rendition's parameter sets before its first sample and AAC to
ADTS (:mod:`.bitstream`), then interleave both tracks by DTS — audio and video segment boundaries
differ, so samples are held until the other track has reached the same decode time — and mux.

Usage (like httpx's incremental decoders): ``add_segment(...)`` as segments arrive, ``read()`` to
drain what is ready, ``flush()`` once at end of stream, then a last ``read()``.
"""
from __future__ import annotations

import heapq
import io
import itertools
from collections.abc import Sequence
from fractions import Fraction

import av

from .bitstream import AdtsConfig, VideoConfig, adts_frame, parse_audio_specific_config, parse_avcc, parse_hvcc, to_annexb
from .errors import FeedError, SegmentFormatError, TrackChangeUnsupported
from .segment_reader import TS_CLOCK, DemuxedSegment, Sample, demux_segment

_TRACK_ORDER = {"video": 0, "audio": 1}
_TS_TIME_BASE = Fraction(1, TS_CLOCK)


class _Sink:
    """The muxer's file: append-only, no ``seek`` (so FFmpeg treats it as a stream)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        return len(data)


class TsRemuxer:
    """Turn per-track CMAF segments into one MPEG-TS byte stream (not thread-safe: one caller)."""

    def __init__(self, *, tracks: Sequence[str] = ("video", "audio")) -> None:
        if not tracks or any(t not in _TRACK_ORDER for t in tracks) or len(set(tracks)) != len(tracks):
            raise ValueError(f"tracks must be a non-empty subset of ('video', 'audio'), got {tracks!r}")
        self.tracks = tuple(tracks)
        self._sink = _Sink()
        self._container: av.container.OutputContainer | None = None
        self._streams: dict[str, av.stream.Stream] = {}
        self._codecs: dict[str, str] = {}
        self._renditions: dict[str, str] = {}
        self._added_until: dict[str, int] = {}  # end (dts + duration) of the last sample added, 90 kHz
        self._last_dts: dict[str, int] = {}
        self._pending: list[tuple[int, int, int, str, Sample]] = []
        self._seq = itertools.count()
        self._muxed_until = 0
        self._closed = False

    # -- public face -------------------------------------------------------------------------

    def add_segment(
        self, kind: str, init: bytes, data: bytes, *, key: bytes | None = None, rendition_id: str
    ) -> None:
        """Queue one media segment of ``kind`` (with its rendition's init segment and, if protected, its key)."""
        if self._closed:
            raise FeedError("remuxer already flushed")
        if kind not in self.tracks:
            raise ValueError(f"track {kind!r} was not declared (tracks={self.tracks})")
        segment = demux_segment(kind, init, data, key=key)
        previous = self._codecs.get(kind)
        if previous is not None and previous != segment.codec:
            raise TrackChangeUnsupported(f"{kind} codec changes from {previous} to {segment.codec} at rendition {rendition_id!r}")
        payloads = self._rewrite(segment)
        if kind not in self._streams:
            self._add_stream(kind, init, data, segment)
        self._codecs[kind] = segment.codec
        self._renditions[kind] = rendition_id
        for sample, payload in zip(segment.samples, payloads):
            heapq.heappush(
                self._pending,
                (sample.dts, _TRACK_ORDER[kind], next(self._seq), kind, _replace_data(sample, payload)),
            )
            self._added_until[kind] = max(self._added_until.get(kind, sample.dts), sample.dts + sample.duration)
        self._emit(until=self._ready_until())

    def read(self) -> bytes:
        """Drain the MPEG-TS bytes muxed so far (possibly empty)."""
        out = bytes(self._sink.buffer)
        self._sink.buffer.clear()
        return out

    def flush(self) -> None:
        """End of stream: mux everything still held for interleaving and write the trailer."""
        if self._closed:
            return
        self._emit(until=None)
        if self._container is not None:
            try:
                self._container.close()
            except av.FFmpegError as exc:
                raise FeedError(f"MPEG-TS muxer failed at end of stream: {exc}") from exc
        self._closed = True

    @property
    def muxed_until_s(self) -> float:
        """Media time (s) up to which samples of every track have been muxed (what mpv can be fed)."""
        return self._muxed_until / TS_CLOCK

    def added_until_s(self, kind: str) -> float | None:
        """Media time (s) at the end of the last segment added for ``kind``, or None before the first."""
        end = self._added_until.get(kind)
        return None if end is None else end / TS_CLOCK

    def rendition(self, kind: str) -> str | None:
        """The rendition id of the last segment added for ``kind``."""
        return self._renditions.get(kind)

    # -- internals ---------------------------------------------------------------------------

    def _rewrite(self, segment: DemuxedSegment) -> list[bytes]:
        try:
            if segment.kind == "video":
                return _rewrite_video(segment)
            if segment.codec == "aac":
                return _rewrite_aac(segment)
        except ValueError as exc:
            raise SegmentFormatError(f"{segment.kind} sample layout is invalid: {exc}") from exc
        return [s.data for s in segment.samples]  # AC-3 / E-AC-3 frames are self-describing

    def _add_stream(self, kind: str, init: bytes, data: bytes, segment: DemuxedSegment) -> None:
        if self._container is None:
            self._container = av.open(self._sink, "w", format="mpegts", options={"flush_packets": "1"})
        # A template stream carries the codec parameters; re-open the (already verified) init alone.
        try:
            with av.open(io.BytesIO(init), format="mp4") as source:
                template = (source.streams.video if kind == "video" else source.streams.audio)[0]
                stream = self._container.add_stream_from_template(template)
        except (av.FFmpegError, IndexError) as exc:
            raise SegmentFormatError(f"{kind} init segment could not be read: {exc}") from exc
        stream.time_base = _TS_TIME_BASE
        self._streams[kind] = stream

    def _ready_until(self) -> int | None:
        """Samples with DTS below this are safe to mux: every declared track has reached it."""
        if any(t not in self._added_until for t in self.tracks):
            return -1
        return min(self._added_until[t] for t in self.tracks)

    def _emit(self, *, until: int | None) -> None:
        if until == -1 or (until is not None and not self._pending):
            return
        while self._pending and (until is None or self._pending[0][0] < until):
            _, _, _, kind, sample = heapq.heappop(self._pending)
            self._mux(kind, sample)
        if until is not None:
            self._muxed_until = max(self._muxed_until, until)
        elif self._added_until:
            self._muxed_until = max(self._added_until.values())

    def _mux(self, kind: str, sample: Sample) -> None:
        assert self._container is not None
        stream = self._streams[kind]
        dts = sample.dts
        last = self._last_dts.get(kind)
        if last is not None and dts <= last:
            dts = last + 1  # overlapping renditions: keep DTS strictly increasing for the muxer
        self._last_dts[kind] = dts
        packet = av.Packet(sample.data)
        packet.dts = dts
        packet.pts = max(sample.pts, dts)
        packet.duration = sample.duration
        packet.time_base = _TS_TIME_BASE
        packet.is_keyframe = sample.keyframe
        packet.stream = stream
        try:
            self._container.mux(packet)
        except av.FFmpegError as exc:
            raise FeedError(f"MPEG-TS muxer rejected a {kind} sample at {dts / TS_CLOCK:.3f}s: {exc}") from exc


def _replace_data(sample: Sample, data: bytes) -> Sample:
    return Sample(pts=sample.pts, dts=sample.dts, duration=sample.duration, data=data, keyframe=sample.keyframe)


def _video_config(segment: DemuxedSegment) -> VideoConfig:
    if segment.codec == "h264":
        return parse_avcc(segment.extradata)
    if segment.codec == "hevc":
        return parse_hvcc(segment.extradata)
    raise ValueError(f"video codec {segment.codec!r} is not supported (h264, hevc)")


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

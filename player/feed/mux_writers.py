"""The two containers the feed writes for libmpv, chosen per codec family.

- MPEG-TS (ISO/IEC 13818-1) for H.264, HEVC, AAC, AC-3, E-AC-3, MP3: decoder configuration travels
  in-band (Annex-B parameter sets, ADTS), so rendition switches decode cleanly (PLATFORM.md);
  written by PyAV's muxer, as measured for startup.
- Matroska for VP9, AV1, Opus, FLAC (MPEG-TS cannot carry them), and for H.264/HEVC (Annex-B, as in
  MPEG-TS) when they come with one of those (H.264 + Opus in CMAF): :mod:`.matroska`, our writer.
Both take samples already rewritten for them and write to an append-only sink.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Protocol

import av

from . import matroska
from .errors import FeedError, SegmentFormatError
from .segment_reader import TS_CLOCK, DemuxedSegment, Sample

TS_CODECS = frozenset({"h264", "hevc", "aac", "ac3", "eac3", "mp3"})
_TS_TIME_BASE = Fraction(1, TS_CLOCK)


class Sink:
    """The muxer's file: append-only, no ``seek`` (so FFmpeg treats it as a stream)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        return len(data)


class MuxWriter(Protocol):
    container: str

    def add_track(self, part: DemuxedSegment) -> None: ...

    def write(self, samples: list[tuple[str, Sample]]) -> None: ...

    def close(self) -> None: ...


def container_for(codecs: set[str]) -> str:
    """``mpegts`` when MPEG-TS carries every codec, else ``matroska``."""
    return "mpegts" if codecs <= TS_CODECS else "matroska"


def make_writer(container: str, sink: Sink) -> MuxWriter:
    return TsWriter(sink) if container == "mpegts" else MatroskaWriter(sink)


class TsWriter:
    """PyAV's MPEG-TS muxer; stream parameters copied from the input stream of each track's first segment."""

    container = "mpegts"

    def __init__(self, sink: Sink) -> None:
        self._out = av.open(sink, "w", format="mpegts", options={"flush_packets": "1"})
        self._streams: dict[str, av.stream.Stream] = {}

    def add_track(self, part: DemuxedSegment) -> None:
        try:
            if part.template is None:
                raise ValueError("no input stream to copy")
            stream = self._out.add_stream_from_template(part.template)
        except (av.FFmpegError, ValueError) as exc:
            raise SegmentFormatError(f"{part.kind} stream parameters could not be read: {exc}") from exc
        stream.time_base = _TS_TIME_BASE
        self._streams[part.kind] = stream

    def write(self, samples: list[tuple[str, Sample]]) -> None:
        for kind, sample in samples:
            packet = av.Packet(sample.data)
            packet.dts = sample.dts
            packet.pts = max(sample.pts, sample.dts)
            packet.duration = sample.duration
            packet.time_base = _TS_TIME_BASE
            packet.is_keyframe = sample.keyframe
            packet.stream = self._streams[kind]
            try:
                self._out.mux(packet)
            except av.FFmpegError as exc:
                raise FeedError(f"MPEG-TS muxer rejected a {kind} sample at {sample.dts / TS_CLOCK:.3f}s: {exc}") from exc

    def close(self) -> None:
        try:
            self._out.close()
        except av.FFmpegError as exc:
            raise FeedError(f"MPEG-TS muxer failed at end of stream: {exc}") from exc


class MatroskaWriter:
    """Our streaming Matroska writer: the header once every track is known, then one Cluster per batch."""

    container = "matroska"
    _MAX_CLUSTER_MS = 30_000

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._tracks: dict[str, matroska.TrackSpec] = {}
        self._header_written = False

    def add_track(self, part: DemuxedSegment) -> None:
        if matroska.matroska_codec_id(part.codec) is None:
            raise SegmentFormatError(f"{part.kind} codec {part.codec!r} cannot be carried in Matroska here")
        # vpcC is no V_VP9 CodecPrivate; H.264/HEVC samples are Annex-B with their parameter sets in-band
        private = b"" if part.codec in ("vp9", "h264", "hevc") else part.extradata
        if part.codec == "flac":
            private = matroska.flac_private(private)
        self._tracks[part.kind] = matroska.TrackSpec(
            number=len(self._tracks) + 1, kind=part.kind, codec=part.codec, codec_private=private,
            width=part.width, height=part.height, sample_rate=part.sample_rate, channels=part.channels,
        )

    def write(self, samples: list[tuple[str, Sample]]) -> None:
        if not self._header_written:
            self._sink.write(matroska.header(list(self._tracks.values())))
            self._header_written = True
        blocks: list[tuple[int, int, bool, bytes]] = []
        for kind, sample in samples:
            ms = sample.pts // 90
            if blocks and not -30_000 < ms - blocks[0][1] < self._MAX_CLUSTER_MS:
                self._flush(blocks)
                blocks = []
            blocks.append((self._tracks[kind].number, ms, sample.keyframe, sample.data))
        self._flush(blocks)

    def _flush(self, blocks: list[tuple[int, int, bool, bytes]]) -> None:
        if blocks:
            # a Cluster timestamp is unsigned; blocks may sit before it (AAC priming samples)
            self._sink.write(matroska.cluster(max(0, min(b[1] for b in blocks)), blocks))

    def close(self) -> None:
        if not self._header_written and self._tracks:
            self._sink.write(matroska.header(list(self._tracks.values())))
            self._header_written = True

"""A streaming Matroska writer for the codecs MPEG-TS cannot carry (VP9, AV1, Opus, FLAC).

Why our own (~100 lines) and not PyAV's muxer: PyAV creates an output stream only from a template
whose decoder has an encoder of the same name, and AV1 is decoded by ``libdav1d`` (no such
encoder), so ``add_stream_from_template`` refuses it; a stream made with ``add_stream("av1")``
would open an AV1 *encoder* when the header is written. Matroska itself is simple to write: EBML
elements (RFC 8794), a Segment of unknown size (live streaming, RFC 9559 §6.2), one Tracks element
and Clusters of SimpleBlocks. VP9 and AV1 carry their configuration in-band (VP9 uncompressed
header; AV1 sequence header OBU in every key frame), so a rendition switch is just more blocks —
the same property that makes MPEG-TS switch cleanly for H.264/HEVC.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

TIMESTAMP_SCALE_NS = 1_000_000  # block timestamps in milliseconds
_UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"
_CODEC_IDS = {"h264": "V_MPEG4/ISO/AVC", "hevc": "V_MPEGH/ISO/HEVC", "vp9": "V_VP9", "av1": "V_AV1", "vp8": "V_VP8", "opus": "A_OPUS", "flac": "A_FLAC",
              "aac": "A_AAC", "ac3": "A_AC3", "eac3": "A_EAC3", "mp3": "A_MPEG/L3", "vorbis": "A_VORBIS"}


def matroska_codec_id(codec: str) -> str | None:
    """The Matroska CodecID for an FFmpeg codec name, or None when we do not write that codec."""
    return _CODEC_IDS.get(codec)


@dataclass(frozen=True, kw_only=True)
class TrackSpec:
    """What a Matroska TrackEntry says about one track (RFC 9559 §5.1.4.1)."""

    number: int
    kind: str  # "video" | "audio"
    codec: str
    codec_private: bytes = b""
    width: int = 0
    height: int = 0
    sample_rate: int = 0
    channels: int = 0


def flac_private(extradata: bytes) -> bytes:
    """A_FLAC CodecPrivate: the ``fLaC`` marker and metadata blocks (RFC 9559 §A.12). The MP4 ``dfLa``
    box gives FFmpeg the bare 34-byte STREAMINFO, which gets the marker and a last-block header here."""
    if extradata.startswith(b"fLaC"):
        return extradata
    return b"fLaC" + bytes((0x80,)) + len(extradata).to_bytes(3, "big") + extradata


def _size(n: int) -> bytes:
    """An EBML variable-size integer (RFC 8794 §4): the shortest of 1-8 bytes."""
    for length in range(1, 9):
        if n < (1 << (7 * length)) - 1:
            return (n | (1 << (7 * length))).to_bytes(length, "big")
    raise ValueError("element too large")


def _el(element_id: int, payload: bytes) -> bytes:
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big") + _size(len(payload)) + payload


def _uint(element_id: int, value: int) -> bytes:
    return _el(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def header(tracks: list[TrackSpec]) -> bytes:
    """EBML header, an unknown-size Segment, Info and Tracks: everything before the first Cluster."""
    ebml = _el(0x1A45DFA3, _uint(0x4286, 1) + _uint(0x42F7, 1) + _uint(0x42F2, 4) + _uint(0x42F3, 8)
               + _el(0x4282, b"matroska") + _uint(0x4287, 4) + _uint(0x4285, 2))
    info = _el(0x1549A966, _uint(0x2AD7B1, TIMESTAMP_SCALE_NS) + _el(0x4D80, b"reelbox") + _el(0x5741, b"reelbox"))
    entries = b"".join(_track_entry(t) for t in tracks)
    return ebml + b"\x18\x53\x80\x67" + _UNKNOWN_SIZE + info + _el(0x1654AE6B, entries)


def _track_entry(t: TrackSpec) -> bytes:
    codec_id = matroska_codec_id(t.codec)
    if codec_id is None:
        raise ValueError(f"codec {t.codec!r} cannot be written to Matroska here")
    body = _uint(0xD7, t.number) + _uint(0x73C5, t.number) + _uint(0x83, 1 if t.kind == "video" else 2)
    body += _uint(0x9C, 0) + _el(0x86, codec_id.encode())  # FlagLacing off
    if t.codec_private:
        body += _el(0x63A2, t.codec_private)
    if t.kind == "video":
        body += _el(0xE0, _uint(0xB0, t.width) + _uint(0xBA, t.height))
    else:
        body += _el(0xE1, _el(0xB5, struct.pack(">d", float(t.sample_rate))) + _uint(0x9F, max(1, t.channels)))
    return _el(0xAE, body)


def cluster(timestamp_ms: int, blocks: list[tuple[int, int, bool, bytes]]) -> bytes:
    """One Cluster: ``blocks`` are (track number, timestamp ms, key frame, frame), within 32 s of the first."""
    body = bytearray(_uint(0xE7, timestamp_ms))
    for track, ts, keyframe, frame in blocks:
        relative = ts - timestamp_ms
        if not -32768 <= relative <= 32767:
            raise ValueError("block too far from its cluster's timestamp")
        block = _size(track) + struct.pack(">hB", relative, 0x80 if keyframe else 0) + frame
        body += _el(0xA3, block)
    return _el(0x1F43B675, bytes(body))

"""HLS packed audio (RFC 8216 §3.4): ADTS AAC, AC-3, E-AC-3 or MP3 frames led by an ID3 tag.

Why the ID3 tag matters: raw audio frames carry no timestamps. Each segment starts with an ID3v2
PRIV frame owned by ``com.apple.streaming.transportStreamTimestamp`` holding the 33-bit MPEG-2
90 kHz timestamp of its first frame (RFC 8216 §3.4); FFmpeg's raw demuxers skip the tag and
count from 0, so we read it here and shift the frames by it. A segment without the tag is an error
(RFC 8216 makes it mandatory), not a silent restart at 0.
"""
from __future__ import annotations

from .errors import SegmentFormatError
from .segment_reader import DemuxedSegment, demux_container

PRIV_OWNER = b"com.apple.streaming.transportStreamTimestamp\x00"
_FORMATS = (("aac", b"\xff\xf0", b"\xff\xf0"), ("ac3", b"\x0b\x77", b"\xff\xff"), ("mp3", b"\xff\xe0", b"\xff\xe0"))


def looks_packed_audio(data: bytes) -> bool:
    """An ID3v2 tag first (a TS or MP4 segment never starts with ``ID3``)."""
    return data[:3] == b"ID3"


def id3_timestamp(data: bytes) -> tuple[int, int]:
    """(timestamp on the 90 kHz clock, bytes taken by the ID3 tag) of a packed audio segment."""
    if len(data) < 10 or data[:3] != b"ID3":
        raise SegmentFormatError("packed audio segment does not start with an ID3 tag")
    size = _synchsafe(data[6:10])
    end = 10 + size
    version = data[3]
    pos = 10
    while pos + 10 <= end:
        frame_id = data[pos:pos + 4]
        frame_size = _synchsafe(data[pos + 4:pos + 8]) if version >= 4 else int.from_bytes(data[pos + 4:pos + 8], "big")
        body = data[pos + 10:pos + 10 + frame_size]
        if frame_id == b"PRIV" and body.startswith(PRIV_OWNER) and len(body) >= len(PRIV_OWNER) + 8:
            raw = int.from_bytes(body[len(PRIV_OWNER):len(PRIV_OWNER) + 8], "big")
            return raw & ((1 << 33) - 1), end
        if frame_size <= 0:
            break
        pos += 10 + frame_size
    raise SegmentFormatError("packed audio segment has no transportStreamTimestamp PRIV frame (RFC 8216 §3.4)")


def demux_packed_audio(data: bytes) -> DemuxedSegment:
    """The audio frames of one packed segment, timestamped from its ID3 PRIV frame."""
    timestamp, start = id3_timestamp(data)
    frames = data[start:]
    fmt = next((name for name, sync, mask in _FORMATS
                if len(frames) > 2 and bytes(a & m for a, m in zip(frames[:2], mask)) == sync), None)
    if fmt is None:
        raise SegmentFormatError("packed audio holds neither ADTS, AC-3 nor MPEG audio frames")
    parts = demux_container(frames, fmt, kinds=("audio",), in_band=True, offset_90k=timestamp)
    if not parts:
        raise SegmentFormatError(f"packed audio segment has no {fmt} frames")
    return parts[0]


def _synchsafe(raw: bytes) -> int:
    return (raw[0] & 0x7F) << 21 | (raw[1] & 0x7F) << 14 | (raw[2] & 0x7F) << 7 | (raw[3] & 0x7F)

"""Cutting ffmpeg's fragmented-MP4 byte stream into an init segment and timed fragments (ISO/IEC 14496-12).

ffmpeg writes ``ftyp moov (moof mdat)*`` to a pipe (``-movflags frag_keyframe+empty_moov+default_base_moof``).
We read it box by box and, for each ``moof``+``mdat`` pair, learn what a packager needs to place it on
the timeline: its start (``tfdt``), its duration (``trun`` sample durations, else ``tfhd``/``trex``
defaults) and whether its first sample is a sync sample (``sample_is_non_sync_sample``, §8.8.3.1).
No I/O besides reading the given stream; the backend shares no code with the client's parser.
"""
from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

NON_SYNC = 0x00010000


class BoxError(ValueError):
    """The stream is not the fragmented MP4 we expect (truncated box, missing tfdt...)."""


@dataclass(frozen=True, kw_only=True)
class InitInfo:
    """What the init segment tells us: the track's timescale, trex defaults and codec string."""

    data: bytes
    timescale: int
    default_duration: int
    default_flags: int
    codec: str


@dataclass(frozen=True, kw_only=True)
class Fragment:
    """One ``moof``+``mdat`` pair: a CMAF chunk, which the packager turns into an LL-HLS part."""

    data: bytes
    start: int  # tfdt, in the track's timescale
    duration: int
    independent: bool


def read_boxes(stream: BinaryIO) -> Iterator[tuple[bytes, bytes]]:
    """Yield ``(type, whole box bytes)`` for each top-level box until a clean end of stream."""
    while True:
        head = _read_exact(stream, 8, allow_eof=True)
        if not head:
            return
        size, kind = struct.unpack(">I4s", head)
        extra = b""
        if size == 1:
            extra = _read_exact(stream, 8)
            size = struct.unpack(">Q", extra)[0]
        if size < 8 + len(extra):
            raise BoxError(f"box {kind!r} has an impossible size {size}")
        yield kind, head + extra + _read_exact(stream, size - 8 - len(extra))


def _read_exact(stream: BinaryIO, n: int, allow_eof: bool = False) -> bytes:
    chunks = []
    got = 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            if allow_eof and got == 0:
                return b""
            raise BoxError("stream ended inside a box")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def children(data: bytes, offset: int = 8) -> Iterator[tuple[bytes, int, int]]:
    """``(type, start, end)`` of the boxes inside ``data[offset:]`` (a box's payload)."""
    pos = offset
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        if size < header or pos + size > len(data):
            raise BoxError(f"box {kind!r} overruns its parent")
        yield kind, pos, pos + size
        pos += size


def find(data: bytes, path: list[bytes], offset: int = 8) -> tuple[int, int] | None:
    """The span of the first box along ``path`` (e.g. ``[b"trak", b"mdia", b"mdhd"]``) inside ``data``."""
    for kind, start, end in children(data, offset):
        if kind == path[0]:
            if len(path) == 1:
                return start, end
            found = find(data[start:end], path[1:])
            if found is not None:
                return start + found[0], start + found[1]
    return None


def parse_init(data: bytes) -> InitInfo:
    """Read ``ftyp``+``moov`` bytes (one track, as ffmpeg writes per output)."""
    moov = find(data, [b"moov"], 0)
    if moov is None:
        raise BoxError("init segment has no moov")
    body = data[moov[0]:moov[1]]
    mdhd = find(body, [b"trak", b"mdia", b"mdhd"])
    if mdhd is None:
        raise BoxError("moov has no mdhd")
    version = body[mdhd[0] + 8]
    ts_at = mdhd[0] + 12 + (16 if version == 1 else 8)
    timescale = struct.unpack_from(">I", body, ts_at)[0]
    trex = find(body, [b"mvex", b"trex"])
    default_duration = default_flags = 0
    if trex is not None:  # version/flags, track_ID, sample_description_index, duration, size, flags
        default_duration, _size, default_flags = struct.unpack_from(">III", body, trex[0] + 20)
    return InitInfo(data=data, timescale=timescale, default_duration=default_duration,
                    default_flags=default_flags, codec=codec_string(body))


def codec_string(moov: bytes) -> str:
    """RFC 6381 codec string: ``avc1.PPCCLL`` from ``avcC``, ``mp4a.40.2`` for AAC."""
    at = moov.find(b"avcC")
    if at >= 0:
        profile, compat, level = moov[at + 5], moov[at + 6], moov[at + 7]
        return f"avc1.{profile:02x}{compat:02x}{level:02x}"
    if moov.find(b"mp4a") >= 0:
        return "mp4a.40.2"
    raise BoxError("unknown codec in the init segment")


def parse_fragment(moof: bytes, mdat: bytes, init: InitInfo, shift: int = 0) -> Fragment:
    """Time and sync flag of one fragment (§8.8.7 tfhd, §8.8.8 trun, §8.8.12 tfdt).

    ``shift`` (ticks) is added to ``tfdt`` in the returned bytes: ffmpeg's fragmented MP4 always starts
    at zero (``-output_ts_offset`` does not reach ``tfdt``), so a restarted encoder is moved onto the
    channel's timeline here.
    """
    traf = find(moof, [b"traf"])
    if traf is None:
        raise BoxError("moof has no traf")
    body = moof[traf[0]:traf[1]]
    tfdt = find(body, [b"tfdt"])
    if tfdt is None:
        raise BoxError("traf has no tfdt")
    version = body[tfdt[0] + 8]
    form = ">Q" if version == 1 else ">I"
    at = traf[0] + tfdt[0] + 12
    start = struct.unpack_from(form, moof, at)[0] + shift
    if shift:
        if version != 1 and start >= 1 << 32:
            raise BoxError("a 32-bit tfdt cannot hold the shifted time")
        moof = moof[:at] + struct.pack(form, start) + moof[at + struct.calcsize(form):]
    default_duration, default_flags = _tfhd_defaults(body, init)
    duration, first_flags = _trun_timing(body, default_duration, default_flags)
    return Fragment(data=moof + mdat, start=start, duration=duration, independent=not first_flags & NON_SYNC)


def _tfhd_defaults(traf: bytes, init: InitInfo) -> tuple[int, int]:
    tfhd = find(traf, [b"tfhd"])
    duration, flags = init.default_duration, init.default_flags
    if tfhd is None:
        return duration, flags
    box_flags = int.from_bytes(traf[tfhd[0] + 9:tfhd[0] + 12], "big")
    pos = tfhd[0] + 16  # after version/flags and track_ID
    if box_flags & 0x1:
        pos += 8  # base_data_offset
    if box_flags & 0x2:
        pos += 4  # sample_description_index
    if box_flags & 0x8:
        duration = struct.unpack_from(">I", traf, pos)[0]
        pos += 4
    if box_flags & 0x10:
        pos += 4  # default_sample_size
    if box_flags & 0x20:
        flags = struct.unpack_from(">I", traf, pos)[0]
    return duration, flags


def _trun_timing(traf: bytes, default_duration: int, default_flags: int) -> tuple[int, int]:
    """Total duration of the run(s) and the first sample's flags."""
    total = 0
    first_flags: int | None = None
    for kind, start, _end in children(traf):
        if kind != b"trun":
            continue
        box_flags = int.from_bytes(traf[start + 9:start + 12], "big")
        count = struct.unpack_from(">I", traf, start + 12)[0]
        pos = start + 16
        if box_flags & 0x1:
            pos += 4  # data_offset
        run_first: int | None = None
        if box_flags & 0x4:
            run_first = struct.unpack_from(">I", traf, pos)[0]
            pos += 4
        fields = [(0x100, "duration"), (0x200, "size"), (0x400, "flags"), (0x800, "cto")]
        present = [name for bit, name in fields if box_flags & bit]
        for i in range(count):
            values = dict(zip(present, struct.unpack_from(">" + "I" * len(present), traf, pos)))
            pos += 4 * len(present)
            total += values.get("duration", default_duration)
            if first_flags is None and i == 0:
                first_flags = run_first if run_first is not None else values.get("flags", default_flags)
    return total, default_flags if first_flags is None else first_flags

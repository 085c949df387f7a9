"""CMAF chunks out of a body that arrives piece by piece, their times, and throughput on data arrival.

A low-latency segment is a run of CMAF chunks (ISO/IEC 23000-19 §7.3.2.3: ``moof`` + ``mdat``, each
decodable once complete), written by the encoder every part and sent as they are written (LL-DASH
chunked transfer) or as separate part files (LL-HLS). :class:`ChunkSplitter` cuts what has arrived
into complete chunks so each can go to the feed at once; :func:`chunk_span` reads a chunk's time
(``tfdt`` and the ``trun``/``tfhd``/``trex`` sample durations, ISO/IEC 14496-12 §8.8).

:class:`ArrivalMeter` is the throughput a live ABR may trust: with chunked delivery a segment's
request lasts as long as the encoder takes to make it, so bytes ÷ request time measures the encoder,
not the link (the trap dash.js's L2A-LL and LoL+ work around). Only the time between reads *inside*
a chunk counts — the link was busy then; the gap before a chunk's first read is the server waiting
for the encoder, and that first read's bytes are left out with it. Pure: no I/O, times passed in.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from player.feed.isobmff import iter_boxes

NO_SAMPLE_S = 0.001  # a chunk that arrived in one read: counted as this fast (loopback, a fast link)


@dataclass(frozen=True, kw_only=True)
class TrackTiming:
    """What an init segment says about time: the timescale and ``trex``'s default sample duration."""

    timescale: int
    default_duration: int


def _path(data: bytes, names: list[bytes], start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """Payload span of the first box along ``names`` inside ``data[start:end]``."""
    for kind, s, e in iter_boxes(data, start, end):
        if kind == names[0]:
            return (s, e) if len(names) == 1 else _path(data, names[1:], s, e)
    return None


def track_timing(init: bytes) -> TrackTiming:
    """The first track's timing from ``ftyp``+``moov``; timescale 1 when there is none (never divides by 0)."""
    mdhd = _path(init, [b"moov", b"trak", b"mdia", b"mdhd"])
    timescale = 1
    if mdhd is not None and mdhd[1] - mdhd[0] >= 24:
        version = init[mdhd[0]]
        timescale = struct.unpack_from(">I", init, mdhd[0] + (20 if version == 1 else 12))[0] or 1
    trex = _path(init, [b"moov", b"mvex", b"trex"])
    default = struct.unpack_from(">I", init, trex[0] + 12)[0] if trex is not None and trex[1] - trex[0] >= 24 else 0
    return TrackTiming(timescale=timescale, default_duration=default)


def chunk_span(timing: TrackTiming, chunk: bytes) -> tuple[float, float] | None:
    """(start, duration) in seconds of a chunk's first track fragment; None without ``tfdt``."""
    traf = _path(chunk, [b"moof", b"traf"])
    if traf is None:
        return None
    duration = timing.default_duration
    start: int | None = None
    total = 0
    for kind, s, _end in iter_boxes(chunk, *traf):
        flags = int.from_bytes(chunk[s + 1:s + 4], "big")
        if kind == b"tfhd" and flags & 0x8:
            at = s + 8 + (8 if flags & 0x1 else 0) + (4 if flags & 0x2 else 0)
            duration = struct.unpack_from(">I", chunk, at)[0]
        elif kind == b"tfdt":
            start = struct.unpack_from(">Q" if chunk[s] == 1 else ">I", chunk, s + 4)[0]
        elif kind == b"trun":
            total += _run_duration(chunk, s, flags, duration)
    if start is None:
        return None
    return start / timing.timescale, total / timing.timescale


def _run_duration(data: bytes, s: int, flags: int, default: int) -> int:
    count = int(struct.unpack_from(">I", data, s + 4)[0])
    if not flags & 0x100:
        return count * default
    at = s + 8 + (4 if flags & 0x1 else 0) + (4 if flags & 0x4 else 0)
    step = 4 * sum(1 for bit in (0x100, 0x200, 0x400, 0x800) if flags & bit)
    return sum(int(struct.unpack_from(">I", data, at + i * step)[0]) for i in range(count))


class ChunkSplitter:
    """``feed(bytes)`` → the chunks completed by them (bytes up to and including each ``mdat``).

    ``restart()``: a new attempt (a retry, a failover) sends the body from byte 0 again; what was
    already passed on is dropped from it, so no chunk reaches the feed twice.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.emitted = 0  # body bytes passed on as chunks
        self._skip = 0

    @property
    def holding(self) -> bool:
        """Part of a chunk has arrived and waits for the rest."""
        return bool(self._buffer)

    def restart(self) -> None:
        self._buffer.clear()
        self._skip = self.emitted

    def feed(self, data: bytes) -> list[bytes]:
        if self._skip:
            cut = min(self._skip, len(data))
            data, self._skip = data[cut:], self._skip - cut
        self._buffer += data
        chunks, taken = [], 0
        for kind, _start, end in iter_boxes(bytes(self._buffer)):
            if kind == b"mdat":
                chunks.append(bytes(self._buffer[taken:end]))
                taken = end
        del self._buffer[:taken]
        self.emitted += taken
        return chunks


class ArrivalMeter:
    """Throughput over the time the bytes were flowing (see the module doc)."""

    def __init__(self) -> None:
        self.bits = 0.0  # counted bits (reads that continued a chunk)
        self.seconds = 0.0  # time those reads took
        self.total_bytes = 0
        self.reads = 0
        self._last: float | None = None

    def arrived(self, now: float, size: int, *, continuing: bool) -> None:
        """``size`` bytes read at ``now``; ``continuing``: they extend a chunk already begun."""
        if continuing and self._last is not None:
            self.bits += size * 8.0
            self.seconds += max(0.0, now - self._last)
        self._last = now
        self.total_bytes += size
        self.reads += 1

    def equivalent_seconds(self) -> float:
        """The time the whole body would have taken at the measured rate (what an estimator is given).

        With too few continuing bytes to measure (every chunk in one read) the link was faster than
        the reads could show: each read counts ``NO_SAMPLE_S``."""
        if self.bits <= 0 or self.seconds <= 0:
            return max(NO_SAMPLE_S * self.reads, NO_SAMPLE_S)
        return self.total_bytes * 8.0 * self.seconds / self.bits

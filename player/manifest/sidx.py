"""DASH SegmentBase: reading the Segment Index box (``sidx``, ISO/IEC 14496-12 §8.16.3).

An on-demand DASH Representation (ISO/IEC 23009-1 §5.3.9.2) is one file; ``indexRange`` points
at its ``sidx``, which lists the byte size and duration of every subsegment. The parser cannot
know these without fetching the range, so it leaves ``Rendition.index`` set and ``segments``
empty; the loader fetches ``index.byte_range`` and calls :func:`resolve_segment_base`.

Offsets: the first subsegment starts ``first_offset`` bytes after the *end of the sidx box*.
Times: ``Rendition.index.start_s`` is the presentation time of media time zero (Period start
minus presentationTimeOffset), so a subsegment starts at ``index.start_s + t / timescale``.
"""
from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from .errors import SegmentIndexError
from .model import ByteRange, Rendition, SegmentRef, with_segments

MAX_REFERENCES = 100_000


class SidxReference(NamedTuple):
    """One subsegment: where its bytes are and when it plays (in ``timescale`` ticks)."""

    offset: int
    size: int
    start: int
    duration: int
    starts_with_sap: bool


@dataclass(frozen=True, kw_only=True)
class SegmentIndex:
    timescale: int
    earliest_presentation_time: int
    references: tuple[SidxReference, ...]


def _boxes(data: bytes) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, start, header size, total size) of each top-level box in ``data``."""
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > len(data):
                return
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = len(data) - pos
        if size < header:
            raise SegmentIndexError(f"box at byte {pos} has an impossible size {size}")
        yield kind, pos, header, size
        pos += size


def parse_sidx(data: bytes, *, data_offset: int = 0) -> SegmentIndex:
    """The first ``sidx`` box found in ``data`` (the bytes of ``indexRange``, possibly with other
    boxes before it). ``data_offset`` is the file offset of ``data[0]``, so the returned
    reference offsets are absolute file offsets ready for a Range request."""
    for kind, pos, header, size in _boxes(data):
        if kind != b"sidx":
            continue
        if pos + size > len(data):
            raise SegmentIndexError(f"sidx box needs {size} bytes, only {len(data) - pos} fetched")
        return _parse_box(data[pos + header: pos + size], anchor=data_offset + pos + size)
    raise SegmentIndexError("no sidx box in the index range")


def _parse_box(body: bytes, *, anchor: int) -> SegmentIndex:
    try:
        version = body[0]
        if version == 0:
            _ref_id, timescale, ept, first_offset = struct.unpack_from(">IIII", body, 4)
            pos = 20
        else:
            _ref_id, timescale, ept, first_offset = struct.unpack_from(">IIQQ", body, 4)
            pos = 28
        count = struct.unpack_from(">H", body, pos + 2)[0]
        pos += 4
        if timescale == 0:
            raise SegmentIndexError("sidx timescale is 0")
        if count > MAX_REFERENCES or pos + 12 * count > len(body):
            raise SegmentIndexError(f"sidx announces {count} references but is too short")
        refs: list[SidxReference] = []
        offset, t = anchor + first_offset, ept
        for i in range(count):
            word, duration, sap = struct.unpack_from(">III", body, pos + 12 * i)
            if word >> 31:
                raise SegmentIndexError("hierarchical sidx (reference_type=1) is not supported")
            size = word & 0x7FFFFFFF
            refs.append(SidxReference(offset=offset, size=size, start=t, duration=duration,
                                      starts_with_sap=bool(sap >> 31)))
            offset += size
            t += duration
    except (struct.error, IndexError):
        raise SegmentIndexError("truncated sidx box") from None
    return SegmentIndex(timescale=timescale, earliest_presentation_time=ept, references=tuple(refs))


def resolve_segment_base(rendition: Rendition, index_bytes: bytes) -> Rendition:
    """``rendition`` with ``segments`` read from the ``sidx`` in ``index_bytes`` (the bytes of
    ``rendition.index.byte_range``). Raises :class:`SegmentIndexError` on bad bytes."""
    index = rendition.index
    if index is None:
        return rendition
    start = index.byte_range.start if index.byte_range else 0
    sidx = parse_sidx(index_bytes, data_offset=start)
    segments = tuple(
        SegmentRef(number=i + 1, start_s=index.start_s + ref.start / sidx.timescale,
                   duration_s=ref.duration / sidx.timescale, urls=index.urls,
                   byte_range=ByteRange(ref.offset, ref.size), init=rendition.init, protection=rendition.protection,
                   media_offset_s=index.start_s)
        for i, ref in enumerate(sidx.references)
    )
    return with_segments(rendition, segments)

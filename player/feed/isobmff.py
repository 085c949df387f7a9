"""Just enough ISO-BMFF (ISO/IEC 14496-12) box walking to tell whether an init segment is protected, and what it codes.

Why our own: PyAV does not expose the protection scheme of a track, and decrypting without a key
"works" silently (the encrypted bytes come through). The sample entry says it plainly: an
``encv``/``enca`` entry holds ``sinf`` → ``frma`` (original format), ``schm`` (scheme, e.g.
``cenc``) and ``schi`` → ``tenc`` (default KID, per-sample IV size) — ISO/IEC 23001-7 §8.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

_CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")
# Bytes between a sample entry's header and its child boxes (ISO/IEC 14496-12 §12.1.3, §12.2.3).
_SAMPLE_ENTRY_FIELDS = {b"encv": 78, b"enca": 28}


@dataclass(frozen=True, kw_only=True)
class Protection:
    """A protected track's scheme information, as its init segment declares it."""

    scheme: str  # "cenc", "cbcs", ...
    original_format: str  # "avc1", "mp4a", ...
    default_kid: bytes
    iv_size: int


def iter_boxes(buf: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """Yield (type, payload start, box end) for each box in ``buf[start:end]``; stops at malformed sizes."""
    end = len(buf) if end is None else end
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(buf[pos : pos + 4], "big")
        kind = bytes(buf[pos + 4 : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size = int.from_bytes(buf[pos + 8 : pos + 16], "big")
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _find(buf: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for k, s, e in iter_boxes(buf, start, end):
        if k == kind:
            return s, e
    return None


def _sample_entries(init: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    for kind, s, e in iter_boxes(init, start, end):
        if kind in _CONTAINERS:
            yield from _sample_entries(init, s, e)
        elif kind == b"stsd":
            yield from iter_boxes(init, s + 8, e)  # full box header + entry_count


def track_protection(init: bytes) -> Protection | None:
    """The protection of the (first) protected sample entry in ``init``, or None if it is clear."""
    for kind, s, e in _sample_entries(init):
        skip = _SAMPLE_ENTRY_FIELDS.get(kind)
        if skip is None:
            continue
        sinf = _find(init, s + skip, e, b"sinf")
        if sinf is None:
            return Protection(scheme="", original_format="", default_kid=b"", iv_size=0)
        frma = _find(init, *sinf, b"frma")
        schm = _find(init, *sinf, b"schm")
        schi = _find(init, *sinf, b"schi")
        tenc = _find(init, *schi, b"tenc") if schi else None
        kid, iv_size = b"", 0
        if tenc is not None:
            t = tenc[0]
            iv_size = init[t + 7]
            kid = bytes(init[t + 8 : t + 24])
        return Protection(
            scheme=init[schm[0] + 4 : schm[0] + 8].decode("latin-1") if schm else "",
            original_format=init[frma[0] : frma[0] + 4].decode("latin-1") if frma else "",
            default_kid=kid,
            iv_size=iv_size,
        )
    return None


def sample_formats(init: bytes) -> set[str]:
    """The coding names of ``init``'s sample entries (``avc1``, ``mp4a`` ...); a protected entry by its ``frma``."""
    formats = set()
    for kind, s, e in _sample_entries(init):
        skip = _SAMPLE_ENTRY_FIELDS.get(kind)
        sinf = None if skip is None else _find(init, s + skip, e, b"sinf")
        frma = None if sinf is None else _find(init, *sinf, b"frma")
        formats.add((init[frma[0] : frma[0] + 4] if frma else kind).decode("latin-1"))
    return formats


def mdat_samples(segment: bytes) -> list[bytes]:
    """The samples of a fragmented-MP4 media segment (``moof`` + ``mdat``), cut by the ``trun`` sample sizes
    (ISO/IEC 14496-12 §8.8.8), or each ``mdat`` whole when no sizes are given. For text tracks (``stpp``:
    one TTML document per sample), not for media the demuxer reads."""
    sizes: list[int] = []
    samples: list[bytes] = []
    for kind, start, end in iter_boxes(segment):
        if kind == b"moof":
            sizes = []
            for traf, s, e in iter_boxes(segment, start, end):
                for trun, ts, te in iter_boxes(segment, s, e) if traf == b"traf" else ():
                    sizes += _trun_sizes(segment, ts, te) if trun == b"trun" else []
        elif kind == b"mdat":
            pos = start
            for size in sizes:
                samples.append(bytes(segment[pos : min(pos + size, end)]))
                pos += size
            if not sizes:
                samples.append(bytes(segment[start:end]))
            sizes = []
    return samples


def _trun_sizes(buf: bytes, start: int, end: int) -> list[int]:
    """The sample sizes a ``trun`` lists (empty when it lists none)."""
    flags = int.from_bytes(buf[start + 1 : start + 4], "big")
    count = int.from_bytes(buf[start + 4 : start + 8], "big")
    pos = start + 8 + (4 if flags & 0x1 else 0) + (4 if flags & 0x4 else 0)
    if not flags & 0x200:
        return []
    before = 4 if flags & 0x100 else 0
    step = before + 4 + (4 if flags & 0x400 else 0) + (4 if flags & 0x800 else 0)
    return [int.from_bytes(buf[p + before : p + before + 4], "big") for p in range(pos, min(end, pos + count * step), step)]

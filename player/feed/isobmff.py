"""Just enough ISO-BMFF (ISO/IEC 14496-12) box walking to tell whether an init segment is protected, and what it codes.

Why our own: PyAV does not expose the protection scheme of a track, and decrypting without a key
"works" silently (the encrypted bytes come through). The sample entry says it plainly: an
``encv``/``enca`` entry holds ``sinf`` → ``frma`` (original format), ``schm`` (scheme, e.g.
``cenc``) and ``schi`` → ``tenc`` (default KID, per-sample IV size) — ISO/IEC 23001-7 §8.
"""
from __future__ import annotations

import math
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


def sample_entry_types(init: bytes) -> list[str]:
    """The four-character codes of the init segment's sample entries (``avc1``, ``encv``, ``wvtt``, ``stpp``)."""
    return [kind.decode("latin-1") for kind, _, _ in _sample_entries(init)]


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
    return [body for _, _, body in timed_samples(segment) if body]


def media_timescale(init: bytes) -> int | None:
    """The first track's ``mdhd`` timescale (ticks per second), or None when the init has none."""
    for kind, start, end in iter_boxes(init):
        if kind in _CONTAINERS:
            found = media_timescale(init[start:end])
            if found:
                return found
        elif kind == b"mdhd":
            at = start + (20 if init[start] == 1 else 12)  # full box header, then 64- or 32-bit creation/modification
            return int.from_bytes(init[at : at + 4], "big") or None
    return None


def timed_samples(segment: bytes) -> list[tuple[int, int, bytes]]:
    """(decode time, duration, bytes) of each sample of an fMP4 media segment, in the track's ticks: ``tfdt`` plus the
    ``trun`` durations (else ``tfhd``'s default, ISO/IEC 14496-12 §8.8.7–8.8.12). For text tracks read whole."""
    out: list[tuple[int, int, bytes]] = []
    runs: list[tuple[int, int, int | None]] = []  # (time, duration, size) from the last moof
    for kind, start, end in iter_boxes(segment):
        if kind == b"moof":
            runs = [run for traf, s, e in iter_boxes(segment, start, end) if traf == b"traf" for run in _traf_runs(segment, s, e)]
        elif kind == b"mdat":
            pos = start
            for time, duration, size in runs or [(0, 0, None)]:  # no trun: the mdat is one sample
                length = size if size is not None else end - pos
                out.append((time, duration, bytes(segment[pos : min(pos + length, end)])))
                pos += length
            runs = []
    return out


def _traf_runs(buf: bytes, start: int, end: int) -> list[tuple[int, int, int | None]]:
    time, default_duration, default_size, runs = 0, 0, None, []
    for kind, s, _ in iter_boxes(buf, start, end):
        if kind == b"tfhd":
            flags = int.from_bytes(buf[s + 1 : s + 4], "big")
            pos = s + 8 + (8 if flags & 0x1 else 0) + (4 if flags & 0x2 else 0)
            if flags & 0x8:
                default_duration = int.from_bytes(buf[pos : pos + 4], "big")
                pos += 4
            if flags & 0x10:
                default_size = int.from_bytes(buf[pos : pos + 4], "big")
        elif kind == b"tfdt":
            time = int.from_bytes(buf[s + 4 : s + (12 if buf[s] == 1 else 8)], "big")
        elif kind == b"trun":
            for duration, size in _trun_entries(buf, s):
                runs.append((time, duration if duration is not None else default_duration,
                             size if size is not None else default_size))
                time += runs[-1][1]
    return runs


def _trun_entries(buf: bytes, start: int) -> list[tuple[int | None, int | None]]:
    flags = int.from_bytes(buf[start + 1 : start + 4], "big")
    count = int.from_bytes(buf[start + 4 : start + 8], "big")
    pos = start + 8 + (4 if flags & 0x1 else 0) + (4 if flags & 0x4 else 0)
    entries = []
    for _ in range(min(count, 100_000)):
        duration = size = None
        if flags & 0x100:
            duration, pos = int.from_bytes(buf[pos : pos + 4], "big"), pos + 4
        if flags & 0x200:
            size, pos = int.from_bytes(buf[pos : pos + 4], "big"), pos + 4
        pos += (4 if flags & 0x400 else 0) + (4 if flags & 0x800 else 0)
        entries.append((duration, size))
    return entries


def display_rotation(init: bytes) -> int:
    """Degrees clockwise the video track's ``tkhd`` matrix turns the picture (0, 90, 180, 270), 0 without one.

    Why: a phone's portrait clip keeps its pixels landscape and says "turn me" in the matrix (ISO/IEC 14496-12
    §8.3.2; ffmpeg's ``-display_rotation``). The MPEG-TS stream we feed libmpv has no such field, so the play must
    tell libmpv itself; its reading is libavformat's display matrix as mpv turns it: ``atan2(b, a)`` of the
    16.16 matrix ``[a b u; c d v; x y w]``, rounded to a quarter turn.
    """
    moov = _find(init, 0, len(init), b"moov")
    for kind, start, end in iter_boxes(init, *moov) if moov else ():
        tkhd = _find(init, start, end, b"tkhd") if kind == b"trak" else None
        if tkhd is None or not _is_video(init, start, end):
            continue
        at = tkhd[0] + (4 + 32 if init[tkhd[0]] == 1 else 4 + 20) + 16  # version/flags, times/ids, reserved..volume
        if at + 16 > tkhd[1]:
            return 0
        a, b = (int.from_bytes(init[at + i : at + i + 4], "big", signed=True) for i in (0, 4))
        if not (a or b):
            return 0
        return round(math.degrees(math.atan2(b, a)) / 90) % 4 * 90
    return 0


def _is_video(init: bytes, start: int, end: int) -> bool:
    mdia = _find(init, start, end, b"mdia")
    hdlr = _find(init, *mdia, b"hdlr") if mdia else None
    return hdlr is not None and init[hdlr[0] + 8 : hdlr[0] + 12] == b"vide"

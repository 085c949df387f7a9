"""Is a fetched segment whole? A structural check cheap enough for every body (issue 16, item 7).

Random bytes in a segment used to be skipped silently, and a half-length segment (with an honest
Content-Length) ended the session. Both are CDN faults the pool can fail over, if it sees them: a
fragmented MP4 (ISO/IEC 14496-12 §4.2) must tile its body exactly with well-formed boxes, a media
segment must hold a ``moof`` and an ``mdat`` and an init a ``moov``; an MPEG-TS segment (ISO/IEC
13818-1) is whole 188-byte packets each starting with the 0x47 sync byte. Other containers pass.
Damage *inside* an ``mdat`` is beyond any structural check; the decoder meets it.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from player.net.errors import CorruptSegment

TS_PACKET = 188
#: a media segment declared shorter than this (under one audio frame of most codecs at 48 kHz, a few video frames)
#: may carry no sample at all: a packager's empty tail, not a cut body
NO_SAMPLES_S = 0.1
_FOURCC = re.compile(rb"[a-zA-Z0-9 ]{4}")
_MP4_SUFFIXES = (".m4s", ".mp4", ".m4v", ".m4a", ".cmfv", ".cmfa", ".cmft")


def _boxes(body: bytes) -> set[bytes]:
    """The top-level box types; CorruptSegment when the boxes do not tile the body."""
    seen: set[bytes] = set()
    off = 0
    while off < len(body):
        if off + 8 > len(body):
            raise CorruptSegment(f"{len(body) - off} stray bytes after the last box")
        size = int.from_bytes(body[off:off + 4], "big")
        kind = body[off + 4:off + 8]
        header = 8
        if size == 1:
            if off + 16 > len(body):
                raise CorruptSegment("a 64-bit box size is cut off")
            size, header = int.from_bytes(body[off + 8:off + 16], "big"), 16
        elif size == 0:
            size = len(body) - off
        if not _FOURCC.fullmatch(kind) or size < header:
            raise CorruptSegment(f"no box at byte {off} (type {kind!r}, size {size})")
        if off + size > len(body):
            raise CorruptSegment(f"box {kind.decode()} needs {size} bytes, {len(body) - off} left: short segment")
        seen.add(kind)
        off += size
    return seen


def check_fmp4(body: bytes, *, init: bool, empty_ok: bool = False) -> None:
    """Raise CorruptSegment unless ``body`` is a whole fMP4 init (``moov``) or media segment (``moof`` + ``mdat``).

    ``empty_ok``: a media segment of whole boxes and no sample at all (no ``moof``, no ``mdat``) passes too:
    ffmpeg's fMP4 HLS ends a title with a 0.02 s segment that is one ``styp`` box, which plain libmpv plays past."""
    kinds = _boxes(body)
    needed = {b"moov"} if init else {b"moof", b"mdat"}
    if empty_ok and not kinds & needed:
        return
    if not needed <= kinds:
        raise CorruptSegment(f"no {b'/'.join(sorted(needed - kinds)).decode()} box in the segment")


def check_ts(body: bytes) -> None:
    """Raise CorruptSegment unless ``body`` is whole MPEG-TS packets."""
    if not body or len(body) % TS_PACKET or body[::TS_PACKET].strip(b"\x47"):  # every packet's first byte is 0x47
        raise CorruptSegment(f"not whole MPEG-TS packets ({len(body)} bytes)")


def checker_for(url: str, mime_type: str | None, *, init: bool, duration_s: float | None = None) -> Callable[[bytes], None] | None:
    """The check that fits a segment, from its rendition's MIME type or its URL; None when unknown. A media segment
    declared shorter than ``NO_SAMPLES_S`` may hold no sample (``check_fmp4``'s ``empty_ok``)."""
    path = url.split("?", 1)[0].lower()
    mime = (mime_type or "").lower()
    if mime.endswith("/mp2t") or path.endswith(".ts"):
        return None if init else check_ts
    if mime.endswith("/mp4") or path.endswith(_MP4_SUFFIXES):
        empty_ok = not init and duration_s is not None and duration_s < NO_SAMPLES_S
        return lambda body: check_fmp4(body, init=init, empty_ok=empty_ok)
    return None

"""Sizes before the download starts, from the manifest alone: no request per segment (issue 19).

A slot with a byte range (DASH SegmentBase resolved from its ``sidx``, HLS ``EXT-X-BYTERANGE``) has its
exact length in the manifest. Any other slot is *estimated*: the rendition's declared bandwidth × the
segment's duration (HLS ``BANDWIDTH`` is the peak rate, RFC 8216 §4.3.4.2, so this leans high, which
is the safe side for the free-space check); an init segment, which has no duration, a few KiB.

Estimates are corrected as the download goes: each stored slot records the bytes that actually came
(the body, whose length the transport checked against Content-Length), and the totals shown are
stored sizes plus the estimates still pending — exact once the last slot is in. The up-front ranged
probe per segment this replaces cost one round trip per slot before the first byte of media.
"""
from __future__ import annotations

from player.manifest import SegmentRef

INIT_ESTIMATE = 4096
"""An init segment (``ftyp``+``moov``) is 0.7–3 KiB for one track."""

FALLBACK_BPS = {"video": 2_000_000, "audio": 128_000, "text": 2_000}
"""Bits per second when a rendition declares no bandwidth (an HLS alternate audio or subtitle rendition)."""


def slot_size(ref: SegmentRef, *, kind: str, bandwidth_bps: int, is_init: bool) -> int:
    """Bytes of one slot: exact from a byte range, else bandwidth × duration (≥ 1)."""
    if ref.byte_range is not None:
        return ref.byte_range.length
    if is_init:
        return INIT_ESTIMATE
    bps = bandwidth_bps if bandwidth_bps > 0 else FALLBACK_BPS.get(kind, FALLBACK_BPS["video"])
    return max(1, round(bps * ref.duration_s / 8))


"""The ladder of one title: segment duration, bitrates and every segment's size per rung.

Parsed from Sabre's "movie" JSON (``segment_duration_ms``, ``bitrates_kbps``,
``segment_sizes_bits``) given as text; reading the file is the caller's job (no I/O here).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from .errors import LadderError


@dataclass(frozen=True, kw_only=True)
class Ladder:
    segment_duration_s: float
    bitrates_kbps: tuple[float, ...]
    sizes_bits: tuple[tuple[float, ...], ...]  # [segment][rung]

    @property
    def segments(self) -> int:
        return len(self.sizes_bits)

    @classmethod
    def constant(cls, bitrates_kbps: tuple[float, ...], *, segment_duration_s: float, segments: int) -> "Ladder":
        """A CBR ladder: every segment is exactly bitrate × duration."""
        row = tuple(r * 1000.0 * segment_duration_s for r in bitrates_kbps)
        return cls(segment_duration_s=segment_duration_s, bitrates_kbps=tuple(bitrates_kbps), sizes_bits=(row,) * segments)


#: the benchmark ladder of ``shared/abr-traces`` (``netflix10_4s_cbr.json``): 150 CBR segments of 4 s
NETFLIX10_KBPS = (235.0, 375.0, 560.0, 750.0, 1050.0, 1750.0, 2350.0, 3000.0, 4300.0, 5800.0)
NETFLIX10_NAME = "netflix10_4s_cbr (built in)"


def netflix10() -> Ladder:
    """The benchmark ladder without its file, so ``abr-bench`` runs in a fresh clone."""
    return Ladder.constant(NETFLIX10_KBPS, segment_duration_s=4.0, segments=150)


def parse_ladder(text: str) -> Ladder:
    try:
        obj = json.loads(text)
        seg = float(obj["segment_duration_ms"]) / 1000.0
        rates = tuple(float(r) for r in obj["bitrates_kbps"])
        sizes = tuple(tuple(float(x) for x in row) for row in obj["segment_sizes_bits"])
    except (ValueError, KeyError, TypeError) as exc:
        raise LadderError(f"not a Sabre movie JSON: {exc}") from None
    if seg <= 0 or not rates or not sizes:
        raise LadderError("ladder has no segments, no bitrates or a non-positive duration")
    if any(b <= a for a, b in zip(rates, rates[1:])) or rates[0] <= 0:
        raise LadderError("bitrates must be positive and increasing")
    if any(len(row) != len(rates) for row in sizes):
        raise LadderError("every segment needs one size per bitrate")
    return Ladder(segment_duration_s=seg, bitrates_kbps=rates, sizes_bits=sizes)

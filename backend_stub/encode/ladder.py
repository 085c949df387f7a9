"""Per-title bitrate ladder: which video rungs to encode for a given source.

Rules (issue #2): at least 4 H.264 rungs from ~240p up to the source height, never upscaled;
square pixels with even widths (``scale=W:H,setsar=1``: ``scale=-2:240`` would give SAR 640:639,
see shared/PLATFORM.md). Bitrates are *caps* (capped CRF), so simple content spends less than the
cap and titles with more motion and detail come out with higher bandwidths — per-title encoding.
"""
from __future__ import annotations

from dataclasses import dataclass

# height -> (cap kbit/s at 16:9); the usual Apple/Netflix-style steps, trimmed for a 2-core box.
STANDARD_CAPS_KBPS: dict[int, int] = {
    144: 200,
    240: 400,
    360: 800,
    480: 1400,
    720: 2800,
    1080: 5000,
}
DEFAULT_HEIGHTS: tuple[int, ...] = (240, 360, 480, 720, 1080)


@dataclass(frozen=True, kw_only=True)
class Rung:
    """One video rendition: its frame size and the bitrate cap handed to x264."""

    width: int
    height: int
    max_kbps: int

    @property
    def name(self) -> str:
        """Folder/playlist stem, e.g. ``v720``."""
        return f"v{self.height}"


def even_width(height: int, src_width: int, src_height: int) -> int:
    """Width that keeps the source's display aspect at ``height`` with square pixels, rounded to even."""
    return max(2, round(height * src_width / src_height / 2) * 2)


def _cap_kbps(height: int, width: int) -> int:
    if height in STANDARD_CAPS_KBPS:
        base = STANDARD_CAPS_KBPS[height]
        return max(100, round(base * (width * height) / (round(height * 16 / 9 / 2) * 2 * height)))
    # Off-grid heights: ~0.09 bit per pixel at 30 fps, a common rule of thumb for H.264.
    return max(100, round(width * height * 30 * 0.09 / 1000))


def plan_ladder(src_width: int, src_height: int, heights: tuple[int, ...] = DEFAULT_HEIGHTS) -> tuple[Rung, ...]:
    """Rungs for ``heights`` that do not exceed the source (never upscale).

    A source between two steps (say 600p) also gets its own height as the top rung, so the ladder
    always reaches the source: a 720p source gets 240/360/480/720, a 1080p one all five defaults.
    """
    if src_width <= 0 or src_height <= 0 or not heights:
        raise ValueError("source size and heights must be positive")
    top = src_height - src_height % 2
    chosen = {h for h in heights if h <= top}
    if not chosen or top < max(heights):
        chosen.add(top)
    rungs = []
    for h in sorted(chosen):
        w = even_width(h, src_width, src_height)
        rungs.append(Rung(width=w, height=h, max_kbps=_cap_kbps(h, w)))
    return tuple(rungs)

"""Where a ladder whose rungs are not segment-aligned may change rung. Pure.

Why: Apple's HLS authoring spec and DASH ``segmentAlignment`` ask every rung to start its segments at
the same times, but ladders encoded rung by rung (2 s segments on one, 3 s on another) are served.
Fetching "segment *i*" of each rung there fed media twice — 0-2 s at 180p, then 0-3 s at 360p, so
libmpv showed 0-2 s again — and the report still said complete. Each segment decodes from its own
keyframe, so a player can only move to another rung where one of that rung's segments starts exactly
where the media already fed ends (hls.js and dash.js overwrite the overlap in MSE instead; a stream
fed to libmpv cannot take media twice). So on such a ladder the positions the video loop walks are
the union of every rung's segment starts, and a rung is *open* at a position only when one of its
segments starts there; a switch to a closed rung waits for a boundary the two rungs share.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence

from player.manifest import Rendition, SegmentRef

#: segment starts this close are one boundary (EXTINF rounding, 29.97 fps timescales; under a frame)
ALIGN_TOLERANCE_S = 0.03


def aligned(renditions: Sequence[Rendition]) -> bool:
    """Segment *i* of every rung covers the same media time: equal counts (as ladders were always taken),
    or, where counts differ (a live window refreshed apart, a rung one segment short), the same segment
    starts wherever two rungs both have media."""
    reference = renditions[0].segments
    if all(len(r.segments) == len(reference) for r in renditions):
        return True
    return all(_same_starts(reference, r.segments) for r in renditions[1:])


def _same_starts(a: tuple[SegmentRef, ...], b: tuple[SegmentRef, ...]) -> bool:
    if not a or not b:
        return True
    low, high = max(a[0].start_s, b[0].start_s), min(a[-1].end_s, b[-1].end_s)

    def inside(segments: tuple[SegmentRef, ...]) -> list[float]:
        return [s.start_s for s in segments if low - ALIGN_TOLERANCE_S <= s.start_s < high - ALIGN_TOLERANCE_S]

    ours, theirs = inside(a), inside(b)
    return len(ours) == len(theirs) and all(abs(x - y) <= ALIGN_TOLERANCE_S for x, y in zip(ours, theirs))


def switch_timeline(renditions: Sequence[Rendition]) -> tuple[SegmentRef, ...]:
    """One entry per distinct segment start over every rung (starts within the tolerance are one), in time
    order; each entry is the segment of the lowest rung that starts there."""
    entries = sorted(((s.start_s, rung, s) for rung, r in enumerate(renditions) for s in r.segments),
                     key=lambda entry: (entry[0], entry[1]))
    points: list[SegmentRef] = []
    for start_s, _rung, segment in entries:
        if not points or start_s - points[-1].start_s > ALIGN_TOLERANCE_S:
            points.append(segment)
    return tuple(points)


def starting_at(rendition: Rendition, time_s: float) -> SegmentRef | None:
    """The segment of ``rendition`` that starts at ``time_s`` (within the tolerance), else None."""
    segments = rendition.segments
    i = bisect.bisect_left(segments, time_s - ALIGN_TOLERANCE_S, key=_start)
    if i < len(segments) and abs(segments[i].start_s - time_s) <= ALIGN_TOLERANCE_S:
        return segments[i]
    return None


def point_at(points: tuple[SegmentRef, ...], time_s: float) -> int:
    """The position of the switch point at or before ``time_s`` (the first one before them all)."""
    return max(0, bisect.bisect_right(points, time_s + ALIGN_TOLERANCE_S, key=_start) - 1)


def point_after(points: tuple[SegmentRef, ...], end_s: float) -> int:
    """The position of the first switch point at or after ``end_s``, where media fed up to ``end_s`` goes on
    (the count past the last)."""
    return bisect.bisect_left(points, end_s - ALIGN_TOLERANCE_S, key=_start)


def _start(segment: SegmentRef) -> float:
    return segment.start_s

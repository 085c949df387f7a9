"""Merging editions of one presentation into one model with alternative URLs.

The backend returns one manifest URL per edge, and HLS may list redundant variants (same
BANDWIDTH/RESOLUTION, different URI; RFC 8216 §6.2.4 / Apple HLS authoring spec "redundant
streams"). They describe the same bytes at different places, so the merged model keeps one
``SegmentRef`` per segment whose ``urls`` hold every edition's URL, first edition first. The CDN
pool fails over along that tuple. Editions must agree in structure (periods, tracks, renditions,
segment count and timing), otherwise :class:`InconsistentEditions` is raised. A segment one edition marks
EXT-X-GAP (its encoder failed) takes the other edition's alone, as RFC 8216bis §6.3.3 asks a client to.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .errors import InconsistentEditions
from .model import Period, Presentation, Rendition, SegmentRef, Track

TIME_TOLERANCE_S = 0.01


def _union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(u for g in groups for u in g))


def merge_segment(a: SegmentRef, b: SegmentRef, *, merge_inits: bool = True) -> SegmentRef:
    if a.byte_range != b.byte_range or abs(a.start_s - b.start_s) > TIME_TOLERANCE_S \
            or abs(a.duration_s - b.duration_s) > TIME_TOLERANCE_S:
        raise InconsistentEditions(f"segment {a.number} differs between editions")
    if a.gap != b.gap:  # one encoder failed (EXT-X-GAP): the other edition's bytes are the only ones, never the gap's URL
        return b if a.gap else a
    init = a.init
    if merge_inits and a.init is not None and b.init is not None:
        init = merge_segment(a.init, b.init, merge_inits=False)
    return replace(a, urls=_union(a.urls, b.urls), init=init)


def merge_renditions(a: Rendition, b: Rendition) -> Rendition:
    """``a`` with ``b``'s URLs added as alternatives for every init, index and media segment."""
    if len(a.segments) != len(b.segments):
        raise InconsistentEditions(f"rendition {a.id}: {len(a.segments)} vs {len(b.segments)} segments")
    if (a.init is None) != (b.init is None) or (a.index is None) != (b.index is None):
        raise InconsistentEditions(f"rendition {a.id}: init/index differ between editions")
    inits: dict[int, SegmentRef] = {}

    def seg(x: SegmentRef, y: SegmentRef) -> SegmentRef:
        merged = merge_segment(x, y, merge_inits=False)
        if x.init is not None and y.init is not None:
            key = id(x.init)
            if key not in inits:  # keep one shared init object per EXT-X-MAP, as the parser does
                inits[key] = merge_segment(x.init, y.init, merge_inits=False)
            merged = replace(merged, init=inits[key])
        return merged

    init = a.init
    if a.init is not None and b.init is not None:
        init = inits.setdefault(id(a.init), seg(a.init, b.init))
    return replace(
        a,
        init=init,
        index=seg(a.index, b.index) if a.index is not None and b.index is not None else a.index,
        segments=tuple(seg(x, y) for x, y in zip(a.segments, b.segments)),
        playlist_urls=_union(a.playlist_urls, b.playlist_urls),
    )


def _merge_track(a: Track, b: Track) -> Track:
    if a.kind != b.kind or len(a.renditions) != len(b.renditions):
        raise InconsistentEditions(f"track {a.kind}/{a.language} differs between editions")
    pairs = []
    for ra in a.renditions:
        rb = next((r for r in b.renditions if r.id == ra.id), None)
        if rb is None:
            raise InconsistentEditions(f"rendition {ra.id} missing from an edition")
        pairs.append(merge_renditions(ra, rb))
    return replace(a, renditions=tuple(pairs))


def _merge_period(a: Period, b: Period) -> Period:
    if len(a.tracks) != len(b.tracks):
        raise InconsistentEditions(f"period {a.id}: track count differs between editions")
    return replace(a, tracks=tuple(_merge_track(x, y) for x, y in zip(a.tracks, b.tracks)))


def merge_presentations(presentations: Sequence[Presentation]) -> Presentation:
    """One presentation whose every URL tuple lists each edition's URL (in the given order)."""
    if not presentations:
        raise InconsistentEditions("no presentation to merge")
    merged = presentations[0]
    for other in presentations[1:]:
        if len(other.periods) != len(merged.periods) or other.is_live != merged.is_live:
            raise InconsistentEditions("editions differ in periods or live-ness")
        merged = replace(
            merged,
            periods=tuple(_merge_period(x, y) for x, y in zip(merged.periods, other.periods)),
            source_urls=_union(merged.source_urls or (merged.source_url,), other.source_urls or (other.source_url,)),
        )
    return merged

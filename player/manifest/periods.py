"""Several DASH Periods → one timeline the scheduler can walk from start to end.

Why: the scheduler fetches one ladder of video renditions and one audio rendition, segment after
segment. A multi-period presentation (ISO/IEC 23009-1 §5.3.2: ad breaks, chapters, content packaged
separately) changes renditions, resolution, timescale and sometimes the track set at each Period
boundary; playing only the first Period and ending "complete" is the silent failure this prevents.

The joined rendition at rung *r* is, Period after Period, that Period's *r*-th rendition from the
lowest (or its highest when it has fewer); each segment keeps its own Period's init segment and
protection (``SegmentRef.init``/``protection``) and gets the Period index as its ``timeline``, so the
feed rebases timestamps that restart at each Period (:mod:`player.feed.timeline`). Audio is joined
per language, as the first Period's tracks are. Segment start times are already on the presentation
timeline (Period@start + media time), so nothing else changes.
"""
from __future__ import annotations

from dataclasses import replace

from .model import Period, Presentation, Rendition, SegmentRef, Track


def single_timeline(presentation: Presentation) -> Presentation:
    """``presentation`` with its Periods joined into one (itself when it has one Period)."""
    if len(presentation.periods) <= 1:
        return presentation
    first = presentation.periods[0]
    tracks = []
    for track in first.tracks:
        if track.kind == "text":
            continue
        parts = [_matching(p, track) for p in presentation.periods]
        renditions = tuple(_join(first_rendition, parts, rung) for rung, first_rendition in enumerate(track.by_bandwidth()))
        tracks.append(replace(track, renditions=renditions))
    last = presentation.periods[-1]
    end = presentation.duration_s
    duration = end if end is not None else (last.start_s + last.duration_s if last.duration_s is not None else None)
    joined = Period(id="+".join(p.id for p in presentation.periods), start_s=first.start_s,
                    duration_s=None if duration is None else duration - first.start_s, tracks=tuple(tracks))
    return replace(presentation, periods=(joined,))


def _matching(period: Period, track: Track) -> Track | None:
    """The track of ``period`` that continues ``track``: same kind, same language if there is one."""
    same_kind = period.tracks_of(track.kind)
    return next((t for t in same_kind if t.language == track.language), same_kind[0] if same_kind else None)


def _join(first: Rendition, parts: list[Track | None], rung: int) -> Rendition:
    segments: list[SegmentRef] = []
    for index, track in enumerate(parts):
        if track is None or not track.renditions:
            continue  # the track set changes: this kind is absent from that Period
        ladder = track.by_bandwidth()
        rendition = ladder[min(rung, len(ladder) - 1)]
        for ref in rendition.segments:
            segments.append(replace(ref, timeline=index, init=ref.init or rendition.init,
                                    protection=ref.protection or rendition.protection))
    return replace(first, segments=tuple(segments), init=None)  # each segment names its own Period's init

"""Several DASH Periods → one timeline the scheduler can walk from start to end.

Why: the scheduler fetches one ladder of video renditions and one audio rendition, segment after
segment. A multi-period presentation (ISO/IEC 23009-1 §5.3.2: ad breaks, chapters, content packaged
separately) changes renditions, resolution, timescale and sometimes the track set at each Period
boundary; playing only the first Period and ending "complete" is the silent failure this prevents.

The joined rendition at rung *r* is, Period after Period, that Period's *r*-th rendition from the
lowest (or its highest when it has fewer); each segment keeps its own Period's init segment and
protection (``SegmentRef.init``/``protection``) and gets the Period index as its ``timeline``, so the
feed rebases timestamps that restart at each Period (:mod:`player.feed.timeline`). Audio is joined
per language; a track that only a later Period has (audio added after a silent opening) is joined too.
Subtitles are joined per language and format, and only those: an ad Period without them shows none, never
another language's. Segment start times are already on the presentation timeline (Period@start + media time).

Where the codec family or the track set changes between Periods, one continuous stream cannot carry
both sides (a muxer declares its tracks and codecs once): :func:`stream_parts` cuts the timeline there,
and the feed plays each part as a new libmpv file, in order (:mod:`player.feed.mux_feed`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from .model import Period, Presentation, Rendition, SegmentRef, Track, TrackKind

_PLAYED_KINDS: tuple[TrackKind, ...] = ("video", "audio")
_JOINED_KINDS: tuple[TrackKind, ...] = (*_PLAYED_KINDS, "text")
# RFC 6381 sample entries → the codec family a decoder is set up for (profile and level may change freely)
_FAMILIES = {"avc1": "h264", "avc3": "h264", "hvc1": "hevc", "hev1": "hevc", "vp09": "vp9", "vp9": "vp9",
             "av01": "av1", "opus": "opus", "ac-3": "ac3", "ec-3": "eac3", "flac": "flac", "mp3": "mp3"}
_MP3_OTIS = ("mp4a.40.34", "mp4a.6b", "mp4a.69")


@dataclass(frozen=True, kw_only=True)
class StreamPart:
    """Consecutive Periods that one continuous stream can carry: same track kinds, same codec families.

    ``last_starts``: per kind, where the last segment of the part starts — a segment of that kind
    starting there (or later) completes the kind in this part, even when the next part lacks it.
    """

    first_timeline: int  # the Period index the part starts with (SegmentRef.timeline)
    start_s: float
    kinds: frozenset[str]
    last_starts: Mapping[str, float]


def single_timeline(presentation: Presentation) -> Presentation:
    """``presentation`` with its Periods joined into one (itself when it has one Period)."""
    if len(presentation.periods) <= 1:
        return presentation
    first = presentation.periods[0]
    tracks = []
    for track in _first_of_each(presentation):
        parts = [_matching(p, track) for p in presentation.periods]
        starts = [None] + [later.start_s for later in presentation.periods[1:]]
        windows = list(zip(starts, starts[1:] + [None]))
        renditions = tuple(_join(first_rendition, parts, windows, rung) for rung, first_rendition in enumerate(track.by_bandwidth()))
        tracks.append(replace(track, renditions=renditions))
    last = presentation.periods[-1]
    end = presentation.duration_s
    duration = end if end is not None else (last.start_s + last.duration_s if last.duration_s is not None else None)
    joined = Period(id="+".join(p.id for p in presentation.periods), start_s=first.start_s,
                    duration_s=None if duration is None else duration - first.start_s, tracks=tuple(tracks))
    return replace(presentation, periods=(joined,))


def _first_of_each(presentation: Presentation) -> list[Track]:
    """The first Period's tracks, then those of kinds or languages (subtitles: or formats) only later Periods bring."""
    seen: dict[tuple[str, str | None, tuple[str | None, str]], Track] = {}
    for period in presentation.periods:
        for track in period.tracks:
            if track.kind in _JOINED_KINDS and track.renditions:
                seen.setdefault((track.kind, track.language, _text_format(track)), track)
    return list(seen.values())


def _text_format(track: Track) -> tuple[str | None, str]:
    """What a subtitle track's segments are (``text/vtt``; ``application/mp4`` with ``stpp`` or ``wvtt``); the same
    for every audio and video track, which change format freely between Periods."""
    if track.kind != "text" or not track.renditions:
        return None, ""
    first = track.renditions[0]
    return first.mime_type, (first.codecs or "")[:4].lower()


def stream_parts(presentation: Presentation) -> tuple[StreamPart, ...]:
    """The Periods grouped into parts one stream can carry, in order (one part for a single Period)."""
    parts: list[StreamPart] = []
    signature: tuple[frozenset[str], dict[str, str]] | None = None
    for index, period in enumerate(presentation.periods):
        played = [k for k in _PLAYED_KINDS if any(t.renditions for t in period.tracks_of(k))]
        kinds = frozenset[str](played)
        families: dict[str, str] = {k: f for k in played if (f := _family(period, k)) is not None}
        starts: dict[str, float] = {k: _last_start(period, k) for k in played}
        if signature is not None and parts and not _changes(signature, kinds, families):
            last = parts[-1]
            parts[-1] = replace(last, last_starts={**last.last_starts, **starts})
        else:
            parts.append(StreamPart(first_timeline=index, start_s=period.start_s, kinds=kinds, last_starts=starts))
        signature = (kinds, {**(signature[1] if signature else {}), **families})
    return tuple(parts)


def _changes(before: tuple[frozenset[str], dict[str, str]], kinds: frozenset[str], families: dict[str, str]) -> bool:
    """A new track set, or a codec family that differs from the one the stream carries (unknown: same)."""
    return kinds != before[0] or any(before[1].get(k, f) != f for k, f in families.items())


def codec_family(codecs: str | None) -> str | None:
    """The codec family of an RFC 6381 ``codecs`` value (its first entry), or None when unknown."""
    if not codecs:
        return None
    first = codecs.split(",")[0].strip().lower()
    if first.startswith("mp4a"):
        return "mp3" if first.startswith(_MP3_OTIS) else "aac"
    return _FAMILIES.get(first.split(".")[0])


def declared_families(presentation: Presentation) -> frozenset[str]:
    """Every codec family the ``CODECS`` of any rendition names, in every Period and every entry (a muxed HLS variant
    names its audio too)."""
    return frozenset(family for r in presentation.renditions() for entry in (r.codecs or "").split(",")
                     if (family := codec_family(entry)))


def _family(period: Period, kind: TrackKind) -> str | None:
    return next((f for t in period.tracks_of(kind) for r in t.renditions if (f := codec_family(r.codecs))), None)


def _last_start(period: Period, kind: TrackKind) -> float:
    ends = [r.segments[-1].start_s for t in period.tracks_of(kind) for r in t.renditions if r.segments]
    return min(ends, default=period.start_s)


@dataclass(frozen=True, kw_only=True)
class StandIn:
    """A Period with audio, but none in the language of the track played: the language that plays there instead."""

    period_id: str
    start_s: float
    end_s: float | None  # None: the last Period of a presentation with no known end
    language: str | None  # what plays there
    wanted: str | None  # the language of the track played

    def describe(self) -> str:
        span = f"{self.start_s:.1f}–{self.end_s:.1f} s" if self.end_s is not None else f"from {self.start_s:.1f} s"
        return (f"period {self.period_id!r} ({span}) has no {self.wanted or 'und'} audio: "
                f"{self.language or 'und'} played there")


def audio_stand_ins(presentation: Presentation, played: Track | None) -> tuple[StandIn, ...]:
    """The Periods where ``played`` (a track of the joined timeline) is continued in another language (the track
    :func:`_matching` takes), so a report can say that ``--audio de`` played English there."""
    if played is None or played.muxed or len(presentation.periods) <= 1:
        return ()
    periods = presentation.periods
    ends = [p.start_s for p in periods[1:]] + [presentation.duration_s]
    return tuple(StandIn(period_id=p.id, start_s=p.start_s, end_s=end, language=other.language, wanted=played.language)
                 for p, end in zip(periods, ends)
                 if (other := _matching(p, played)) is not None and other.renditions and other.language != played.language)


def _matching(period: Period, track: Track) -> Track | None:
    """The track of ``period`` that continues ``track``: same kind, same language if there is one (subtitles: that
    language in that format, or none)."""
    same_kind = [t for t in period.tracks_of(track.kind) if _text_format(t) == _text_format(track)]
    fallback = same_kind[0] if same_kind and track.kind != "text" else None
    return next((t for t in same_kind if t.language == track.language), fallback)


def _join(first: Rendition, parts: list[Track | None], windows: list[tuple[float | None, float | None]],
          rung: int) -> Rendition:
    """Rung ``rung`` of each Period's track in turn; ``windows``: where each Period starts and ends (None for the
    first's start and the last's end)."""
    segments: list[SegmentRef] = []
    for index, (track, (start, end)) in enumerate(zip(parts, windows)):
        if track is None or not track.renditions:
            continue  # the track set changes: this kind is absent from that Period
        ladder = track.by_bandwidth()
        rendition = ladder[min(rung, len(ladder) - 1)]
        for ref in rendition.segments:
            segments.append(replace(ref, timeline=index, init=ref.init or rendition.init,
                                    protection=ref.protection, period_start_s=start, period_end_s=end))
    return replace(first, segments=tuple(segments), init=None)  # each segment names its own Period's init

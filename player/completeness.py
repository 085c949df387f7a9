"""Did the session play the whole presentation? The report's ``duration_s``, ``complete`` and ``tracks``.

Why (issue 14, "never report success on a wrong play"): a QA tool that exits 0 after playing the
first Period of two, or the part before a discontinuity, or video without its sound, hides exactly
the faults it is pointed at. At the end of a session we compare what reached libmpv and what it
showed with what the manifest promised:
- the position reached vs the presentation's duration (or ``until``), within half a segment (2 s at most);
- each track's media fed vs the same end (a track that stops midway is lost; one fed far past it is
  misplaced, its timestamps not where the manifest puts them);
- every segment skipped (EXT-X-GAP, or not delivered by any CDN), and every variant no CDN served;
- a track the manifest promises that never reached the feed, media missing inside a track (a
  segment shorter than declared), and every frame libmpv could not decode.
Each shortfall is named — which Period or discontinuity part was not played, which track ended
where, which segments were skipped — and :class:`IncompletePlay` carries them as one line.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from player.errors import IncompletePlay
from player.track_choice import audio_to_play, find_track

if TYPE_CHECKING:  # the feed (PyAV) and the manifest model are heavy imports the error table must not pay
    from player.feed.remux import Hole, Remuxer
    from player.manifest import Presentation, SegmentRef
    from player.manifest.periods import StreamPart


#: media fed this far past the end (beyond a segment) is misplaced: a last segment's audio runs ~1 s long at most
PAST_END_S = 1.0
#: the most a play may fall short of its end and still be whole: half a segment, but no more than this — a
#: manifest's declared segment length is untrusted, and a playlist claiming 20 s segments over 2 s of media
#: would otherwise pass a play that stopped 3 s short of ``--until 5``
END_SLACK_MAX_S = 2.0


@dataclass(frozen=True, kw_only=True)
class Part:
    """A stretch of the timeline a viewer would name: a DASH Period or an HLS discontinuity part."""

    name: str
    start_s: float
    end_s: float


@dataclass(frozen=True, kw_only=True)
class TrackPlayed:
    """One track as it reached the feed: codec, language, media seconds up to where it was fed."""

    kind: str
    codec: str
    language: str | None
    fed_until_s: float


def timeline_parts(presentation: Presentation) -> tuple[Part, ...]:
    """The Periods (several) or the HLS discontinuity parts of the first video (else audio) rendition."""
    if len(presentation.periods) > 1:
        ends = [p.start_s for p in presentation.periods[1:]] + [presentation.duration_s or 0.0]
        return tuple(Part(name=f"period {p.id!r}", start_s=p.start_s, end_s=end)
                     for p, end in zip(presentation.periods, ends))
    track = presentation.video_track() or next(iter(presentation.audio_tracks()), None)
    if track is None or not track.renditions:
        return ()
    parts: list[Part] = []
    for ref in track.renditions[0].segments:
        if parts and parts[-1].name == _part_name(ref):
            parts[-1] = Part(name=parts[-1].name, start_s=parts[-1].start_s, end_s=ref.end_s)
        else:
            parts.append(Part(name=_part_name(ref), start_s=ref.start_s, end_s=ref.end_s))
    return tuple(parts) if len(parts) > 1 else ()


def _part_name(ref: SegmentRef) -> str:
    return f"discontinuity part {ref.timeline}"


def expected_kinds(presentation: Presentation) -> frozenset[str]:
    """The kinds of track the manifest promises by their CODECS: a kind promised but never fed was lost whole.

    Only declared codecs count: a lone HLS media playlist declares none (its TS segments may hold
    audio only), and a muxed variant's CODECS name its audio too.
    """
    from player.manifest.hls import AUDIO_CODECS  # loaded already: there is a presentation

    kinds: set[str] = set()
    for track in (t for p in presentation.periods for t in p.tracks if t.kind in ("video", "audio")):
        for rendition in track.renditions:
            codecs = [c.strip().lower() for c in (rendition.codecs or "").split(",") if c.strip()]
            audio = [c for c in codecs if c.startswith(AUDIO_CODECS)]
            kinds |= {"audio"} if audio else set()
            kinds |= {track.kind} if len(audio) < len(codecs) else set()
    return frozenset(kinds)


def shortfalls(*, end_s: float, reached_s: float, segment_s: float, tracks: Sequence[TrackPlayed],
               skipped: Sequence[SegmentRef], parts: Sequence[Part] = (), unavailable: Sequence[str] = (),
               expected: frozenset[str] = frozenset(), holes: Sequence[Hole] = (), decoder_errors: int = 0,
               track_ends: Mapping[str, float] = {}) -> list[str]:
    """What was lost, one phrase each (empty when the play was complete). ``end_s``: where it should end;
    ``track_ends``: an earlier end for a kind the last Periods lack (see :func:`kind_ends`)."""
    slack = end_slack_s(segment_s)
    lost: list[str] = []
    if reached_s < end_s - slack:
        missed = [p for p in parts if p.end_s > reached_s + slack]
        names = ", ".join(f"{p.name} ({max(p.start_s, reached_s):.1f}–{p.end_s:.1f} s)" for p in missed)
        lost.append(f"stopped at {reached_s:.1f} s of {end_s:.1f} s" + (f": {names} not played" if names else ""))
    reached_by_kind: dict[str, TrackPlayed] = {}
    for track in (t for t in tracks if t.kind != "text"):  # subtitles may end before the picture does
        # a kind whose codec changed at a Period is fed to where its last codec ends
        if track.kind not in reached_by_kind or track.fed_until_s > reached_by_kind[track.kind].fed_until_s:
            reached_by_kind[track.kind] = track
    for track in reached_by_kind.values():
        track_end = track_ends.get(track.kind, end_s)
        if track.fed_until_s < track_end - slack:
            lost.append(f"{track.kind} track ({track.codec}) ended at {track.fed_until_s:.1f} s")
        elif track.fed_until_s > track_end + segment_s + PAST_END_S:
            lost.append(f"{track.kind} track ({track.codec}) fed to {track.fed_until_s:.1f} s, past the end at "
                        f"{track_end:.1f} s: its timestamps are not where the manifest puts them")
    lost.extend(f"{kind} track never played" for kind in sorted(expected - {t.kind for t in tracks}))
    lost.extend(unavailable)  # renditions the manifest lists that no CDN served (the loader's phrases)
    for ref in skipped:
        why = "EXT-X-GAP" if ref.gap else "not delivered"
        lost.append(f"segment {ref.start_s:.1f}–{ref.end_s:.1f} s skipped ({why})")
    for hole in holes:  # a skipped segment's hole is already named above
        if not any(ref.start_s < hole.to_s and hole.from_s < ref.end_s for ref in skipped):
            lost.append(_hole_phrase(hole))
    if decoder_errors:
        lost.append(f"{decoder_errors} decoder error{'s' if decoder_errors > 1 else ''} (media libmpv could not decode)")
    return lost


def end_slack_s(segment_s: float) -> float:
    """How far short of its end a play may stop and still be whole: half a segment, at most ``END_SLACK_MAX_S``."""
    return min(segment_s / 2, END_SLACK_MAX_S)


def _hole_phrase(hole: Hole) -> str:
    if hole.overlap:
        return (f"{hole.kind} crushed {hole.from_s:.1f}–{hole.to_s:.1f} s (the media before runs past where the "
                "manifest starts this part: an EXTINF before a discontinuity that understates it)")
    return (f"{hole.kind} missing {hole.from_s:.1f}–{hole.to_s:.1f} s (a segment shorter than the manifest says, "
            "a gap in its timeline, or a Period that starts between keyframes)")


def fed_end(tracks: Sequence[TrackPlayed]) -> float:
    """Where every picture and sound track has been fed to: the least of each kind's furthest."""
    return min(furthest_by_kind(tracks).values(), default=0.0)


def furthest_by_kind(tracks: Sequence[TrackPlayed]) -> dict[str, float]:
    """How far each picture and sound kind was fed (a kind whose codec changed at a Period has an entry per codec;
    subtitles do not count)."""
    furthest: dict[str, float] = {}
    for track in tracks:
        if track.kind != "text":
            furthest[track.kind] = max(furthest.get(track.kind, 0.0), track.fed_until_s)
    return furthest


def kind_ends(streams: Sequence[StreamPart], end_s: float) -> dict[str, float]:
    """Where each track kind ends: the end of the last stream part (Periods) that has it."""
    ends: dict[str, float] = {}
    for part, following in zip(streams, [*streams[1:], None]):
        for kind in part.kinds:
            ends[kind] = following.start_s if following is not None else end_s
    return ends


def check_complete(lost: Sequence[str]) -> None:
    """Raise :class:`IncompletePlay` naming everything lost."""
    if lost:
        raise IncompletePlay("incomplete play: " + "; ".join(lost))


def tracks_json(tracks: Sequence[TrackPlayed]) -> list[Mapping[str, object]]:
    """The report's ``tracks``: what was played, per kind."""
    return [{"kind": t.kind, "codec": t.codec, "language": t.language, "fed_until_s": round(t.fed_until_s, 3)}
            for t in tracks]


class LanguageChoice(Protocol):
    """The ``--audio``/``--subtitles`` requests (``SessionOptions``)."""

    audio_language: str | None
    subtitle_language: str | None


def tracks_fed(remuxers: Sequence[Remuxer], presentation: Presentation | None,
               chosen: LanguageChoice, text_codec: str | None = None, text_until_s: float | None = None) -> list[TrackPlayed]:
    """Each track as it reached the feed, one entry per kind and codec (a Period may change the codec):
    codec, language (the chosen audio's), how far it was fed; and the subtitle track handed to libmpv
    (``text_codec``: its codec as it was read, None when none was; ``text_until_s``: where its segments read end,
    when not at the end of those listed — a live track read on)."""
    audio = presentation.audio_choices() if presentation else ()
    picked = audio_to_play(audio, chosen.audio_language)
    language = picked.language if picked is not None else None
    played: dict[tuple[str, str], float] = {}
    for remuxer in remuxers:
        for kind, fed in remuxer.fed.items():
            until = remuxer.added_until_s(kind) or 0.0
            played[kind, fed.codec] = max(played.get((kind, fed.codec), until), until)
    tracks = [TrackPlayed(kind=kind, codec=codec, language=language if kind == "audio" else None, fed_until_s=until)
              for (kind, codec), until in played.items()]
    text = find_track(presentation.text_tracks(), chosen.subtitle_language) if presentation else None
    if text is not None and text_codec is not None:  # loaded whole before the file opened
        rendition = text.renditions[0]
        end = text_until_s if text_until_s is not None else rendition.segments[-1].end_s if rendition.segments else 0.0
        tracks.append(TrackPlayed(kind="text", codec=text_codec, language=text.language, fed_until_s=end))
    return tracks

"""Which segment of which rendition: pure lookups over a presentation's video ladder and audio choice.

On a segment-aligned ladder (CMAF, DASH ``segmentAlignment``, Apple's authoring spec) segment *i* of
every video rendition covers the same media time, and the video loop walks the lowest rung's segments.
On one that is not, it walks the switch points of :mod:`.switch_points`, and a rung is fetched only at a
point where one of its segments starts. No I/O and no clock: the loops and tests share these.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from player.errors import PlaybackError, RenditionNotFound
from player.manifest import Presentation, Rendition, SegmentRef
from player.manifest.viewing import viewing_ladder
from player.scheduling.switch_points import (
    ALIGN_TOLERANCE_S, aligned, point_after, point_at, starting_at, switch_timeline,
)
from player.track_choice import audio_to_play


def main_kind(presentation: Presentation) -> str:
    """The track the ABR ladder is made of: video, or audio in an audio-only presentation."""
    track = presentation.video_track()
    return "video" if track is not None and track.renditions else "audio"


def pick_audio(presentation: Presentation, language: str | None) -> Rendition | None:
    """The audio rendition to play beside the video: the requested language if present, else the default,
    else the first track; its best rendition. None without audio, when audio is the ladder (audio-only), or
    when the track chosen is the one the video carries (``Track.muxed``)."""
    tracks = presentation.audio_choices()
    if not tracks or main_kind(presentation) == "audio":
        return None
    chosen = audio_to_play(tracks, language) or tracks[0]  # the same match --audio was checked with
    return chosen.by_bandwidth()[-1] if chosen.renditions else None


def index_at(rendition: Rendition, time_s: float) -> int:
    """The index of the segment holding ``time_s`` (past the end: the segment count)."""
    if time_s <= 0:
        return 0
    index = rendition.segment_index_at(time_s)
    return index if index is not None else len(rendition.segments)


def end_index(segments: tuple[SegmentRef, ...], until_s: float | None) -> int:
    """One past the last segment to fetch: the first one starting at or after ``until_s``."""
    if until_s is None:
        return len(segments)
    return next((i for i, s in enumerate(segments) if s.start_s >= until_s), len(segments))


def carried(index: int, before: Sequence[SegmentRef], after: Sequence[SegmentRef]) -> int:
    """Position ``index`` of ``before`` in ``after``, a later list of the same live timeline that may have let its
    oldest segments go behind the DVR window: the same segment start, found by time (a live segment keeps its start;
    only the newest one's length may change). Past the end: the first position that starts after ``before``'s last.
    By time, not by a count of positions let go: on a ladder that is not aligned each rung lets go of its own segments,
    so a switch point may go from the middle of the list."""
    starts = [s.start_s for s in after]
    if index < len(before):
        return bisect.bisect_left(starts, before[index].start_s - ALIGN_TOLERANCE_S)
    return bisect.bisect_right(starts, before[-1].start_s + ALIGN_TOLERANCE_S) if before else 0


@dataclass(frozen=True)
class Ladder:
    """Video renditions lowest first; rung *n* is ``renditions[n]``. ``kind`` is "audio" for an
    audio-only presentation, whose audio renditions are the ladder."""

    renditions: tuple[Rendition, ...]
    kind: str = "video"

    @classmethod
    def of(cls, presentation: Presentation, max_height: int | None = None, audio_language: str | None = None) -> Ladder:
        """The presentation's video ladder for the audio ``audio_language`` picks, capped at ``max_height``
        (the lowest rung always stays); the audio renditions of an audio-only presentation."""
        kind = main_kind(presentation)
        track = presentation.video_track() if kind == "video" else next(iter(presentation.audio_tracks()), None)
        if track is None or not track.renditions:
            raise PlaybackError("the presentation has neither a video nor an audio track")
        audio = audio_to_play(presentation.audio_choices(), audio_language) if kind == "video" else None
        ladder = viewing_ladder(track.by_bandwidth(), audio, pick_audio(presentation, audio_language))
        if max_height:
            capped = tuple(r for r in ladder if (r.height or 0) <= max_height)
            ladder = capped or ladder[:1]
        if not ladder[0].segments:
            raise PlaybackError(f"the {kind} rendition has no segments")
        return cls(ladder, kind)

    def __len__(self) -> int:
        return len(self.renditions)

    def __getitem__(self, rung: int) -> Rendition:
        return self.renditions[rung]

    @cached_property
    def _switch_points(self) -> tuple[SegmentRef, ...] | None:
        """None on a segment-aligned ladder; else every rung's segment starts (:mod:`.switch_points`). An audio
        ladder counts as aligned: every AAC frame decodes on its own, and rungs at other sample rates never share
        a boundary (1024-sample frames: 2.043 s segments at 22.05 kHz beside 2.005 s at 48 kHz)."""
        if self.kind == "audio" or aligned(self.renditions):
            return None
        return switch_timeline(self.renditions)

    @property
    def aligned(self) -> bool:
        """Segment *i* of every rung covers the same media time (else rung changes wait for shared boundaries)."""
        return self._switch_points is None

    @property
    def timeline(self) -> tuple[SegmentRef, ...]:
        """The positions the video loop walks: the lowest rung's segments, or the switch points."""
        points = self._switch_points
        return self.renditions[0].segments if points is None else points

    @property
    def segment_duration_s(self) -> float:
        """The target duration the ABR plans with (the longest of the lowest rung's first few segments)."""
        first = self.renditions[0].segments
        return max(s.duration_s for s in first[: min(len(first), 8)])

    def check_rung(self, rung: int) -> None:
        """Raise :class:`RenditionNotFound`, listing the ladder, when ``rung`` is not one of its indexes."""
        if not 0 <= rung < len(self.renditions):
            have = ", ".join(f"{i}: {f'{r.height}p ' if r.height else ''}{r.bandwidth / 1000:.0f} kbit/s"
                             for i, r in enumerate(self.renditions))
            raise RenditionNotFound(f"--rendition {rung}: no such {self.kind} rendition; this title has {have}")

    def clamp(self, rung: int) -> int:
        return max(0, min(rung, len(self.renditions) - 1))

    def index_at(self, time_s: float, rung: int | None = None) -> int:
        """The position to start at ``time_s`` from; on a ladder that is not aligned, the start of ``rung``'s
        segment holding it when a rung is known (a pinned one)."""
        points = self._switch_points
        if points is None:
            return index_at(self.renditions[0], time_s)
        if rung is not None and (held := self.renditions[self.clamp(rung)].segment_at(time_s)) is not None:
            time_s = held.start_s
        return point_at(points, time_s)

    def next_index(self, index: int, fetched: SegmentRef) -> int:
        """The position after ``index`` once ``fetched`` is in the feed: where its media ends."""
        points = self._switch_points
        return index + 1 if points is None else point_after(points, fetched.end_s)

    def open_rung(self, index: int, wanted: int, current: int | None = None) -> int:
        """``wanted`` when it has a segment at position ``index`` that is not an EXT-X-GAP. Else, on the way up,
        the rung being played, whose next segment starts there (the climb waits for a boundary both share); on
        the way down (or after an abandonment, with no ``current``) the nearest open rung below ``wanted`` —
        staying on the higher rung would risk the stall the algorithm stepped down from — else the nearest
        above. A gap in one rung is filled from another, as RFC 8216bis §6.3.3 asks of a client (a redundant
        encoder that failed marks only its own variant); ``wanted`` when no rung has media there."""
        if self._opens(wanted, index):
            return wanted
        below, above = range(wanted - 1, -1, -1), range(wanted + 1, len(self.renditions))
        climbing = current is not None and current < wanted
        order = (current, *below, *above) if climbing and current is not None else (*below, *above)
        return next((rung for rung in order if self._opens(rung, index)), wanted)

    def has_media(self, index: int) -> bool:
        """Some rung has a segment at position ``index`` that is not an EXT-X-GAP."""
        return any(self._opens(rung, index) for rung in range(len(self.renditions)))

    def lowest_open(self, index: int) -> int:
        """The lowest rung with a segment at position ``index`` (where an emergency down-switch goes)."""
        return self.open_rung(index, 0)

    def _opens(self, rung: int, index: int) -> bool:
        ref = self.segment_or_none(self.renditions[rung], index)
        return ref is not None and not ref.gap

    def segment(self, rendition: Rendition, index: int) -> SegmentRef:
        """Segment ``index`` of ``rendition``; a named error when it has none there."""
        ref = self.segment_or_none(rendition, index)
        if ref is None:
            raise PlaybackError(f"rendition {rendition.id!r} has no segment at index {index}")
        return ref

    def segment_or_none(self, rendition: Rendition, index: int) -> SegmentRef | None:
        segments, timeline = rendition.segments, self.timeline
        if index >= len(timeline):
            return None
        if self._switch_points is not None:
            return starting_at(rendition, timeline[index].start_s)
        if len(segments) == len(timeline):
            return segments[index]
        return rendition.segment_at(timeline[index].start_s)

    def known_sizes(self, index: int, horizon: int = 5) -> tuple[tuple[float, ...], ...]:
        """Real segment sizes (bits) per rung when every rung announces byte ranges (HLS BYTERANGE, DASH sidx)."""
        rows: list[tuple[float, ...]] = []
        for ahead in range(horizon):
            row = []
            for rendition in self.renditions:
                ref = self.segment_or_none(rendition, index + ahead)
                if ref is None or ref.byte_range is None:
                    return tuple(rows)
                row.append(ref.byte_range.length * 8.0)
            rows.append(tuple(row))
        return tuple(rows)

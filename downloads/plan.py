"""Choosing what to download from a title's ``Presentation``. Pure: no I/O.

The user picks a video quality (or the plan's best), audio languages and subtitles (issue 5,
"Download manager"); this module resolves those into *planned tracks* — one rendition each — and
the slots of every track (index 0 the init segment, 1..N the media segments in order). Sizes are
found later (``sizing``), by byte ranges where the manifest has them and probes otherwise.

Quality names: ``best`` (the tallest rendition the plan allows — the default), ``lowest``,
``<height>p`` (``240p``) or a rendition id.
"""
from __future__ import annotations

from dataclasses import dataclass

from player.manifest import Presentation, Rendition, SegmentRef, Track
from player.manifest.viewing import viewing_ladder
from player.track_choice import audio_to_play

from downloads.errors import LiveNotDownloadable, PlanError, QualityUnavailable


@dataclass(frozen=True, kw_only=True)
class DownloadChoice:
    """What to download: ``audio_languages`` None = the default audio track, ``("*",)`` = all;
    ``subtitles`` True = every subtitle track, False = none, or a tuple of languages."""

    quality: str | None = None
    audio_languages: tuple[str, ...] | None = None
    subtitles: bool | tuple[str, ...] = True
    max_height: int | None = None


@dataclass(frozen=True, kw_only=True)
class PlannedTrack:
    """One rendition to store, numbered within the asset (the ``track`` of its slots)."""

    track_no: int
    kind: str
    language: str | None
    label: str | None
    rendition: Rendition

    def slots(self) -> list[tuple[int, SegmentRef]]:
        """``(index, ref)``: 0 for the init segment when there is one, then 1..N."""
        out: list[tuple[int, SegmentRef]] = []
        init = self.rendition.init or (self.rendition.segments[0].init if self.rendition.segments else None)
        if init is not None:
            out.append((0, init))
        for i, seg in enumerate(self.rendition.segments, start=1):
            if seg.init is not None and init is not None and seg.init.urls != init.urls:
                raise PlanError(f"rendition {self.rendition.id!r} changes its init segment mid-stream")
            out.append((i, seg))
        return out


def quality_name(rendition: Rendition) -> str:
    """``240p`` for a video rendition with a height, else its id."""
    return f"{rendition.height}p" if rendition.height else rendition.id


def video_choices(presentation: Presentation, max_height: int | None = None) -> list[str]:
    """The quality names a user can pick, lowest first (the rungs beside the default audio)."""
    track = presentation.video_track()
    audio = audio_to_play(presentation.audio_choices(), None)
    return [quality_name(r) for r in _ladder(track, max_height, audio)] if track else []


def _ladder(track: Track, max_height: int | None, audio: Track | None) -> tuple[Rendition, ...]:
    """What a play beside ``audio`` climbs (``Ladder.of``): one codec family, no trick-play stream, and of the HLS
    variants that name one video playlist once per audio codec, the one of the audio stored with it."""
    played = audio.by_bandwidth()[-1] if audio is not None and audio.renditions else None
    ladder = viewing_ladder(track.by_bandwidth(), audio, played)
    if max_height:
        capped = tuple(r for r in ladder if (r.height or 0) <= max_height)
        ladder = capped or ladder[:1]
    return ladder


def pick_video(track: Track, quality: str | None, max_height: int | None, audio: Track | None = None) -> Rendition:
    """The video rendition ``quality`` names among the rungs a play beside ``audio`` climbs."""
    ladder = _ladder(track, max_height, audio)
    if not ladder:
        raise QualityUnavailable("the title has no video rendition")
    if quality in (None, "", "best"):
        return ladder[-1]
    if quality == "lowest":
        return ladder[0]
    for r in reversed(ladder):
        if quality in (quality_name(r), r.id):
            return r
    names = ", ".join(quality_name(r) for r in ladder)
    raise QualityUnavailable(f"quality {quality!r} is not offered (choose one of: best, lowest, {names})")


def plan_download(presentation: Presentation, choice: DownloadChoice) -> tuple[PlannedTrack, ...]:
    """The tracks to store: one video rendition, the chosen audio and subtitle tracks."""
    if presentation.is_live:
        raise LiveNotDownloadable("a live presentation cannot be downloaded")
    if len(presentation.periods) != 1:
        raise PlanError(f"only single-period titles can be downloaded ({len(presentation.periods)} periods)")
    video = presentation.video_track()
    if video is None:
        raise PlanError("the title has no video track")
    audio = _audio_tracks(presentation, choice.audio_languages)
    followed = audio_to_play(audio, None)  # what an offline play of these tracks plays unless asked otherwise
    picked: list[tuple[str, Track, Rendition]] = [("video", video, pick_video(video, choice.quality, choice.max_height,
                                                                              followed))]
    picked += [("audio", t, t.by_bandwidth()[-1]) for t in audio if t.renditions]
    subs = choice.subtitles
    for t in presentation.text_tracks():
        if t.renditions and (subs is True or (isinstance(subs, tuple) and t.language in subs)):
            picked.append(("text", t, t.by_bandwidth()[-1]))
    planned = tuple(
        PlannedTrack(track_no=i, kind=kind, language=t.language, label=t.label, rendition=r)
        for i, (kind, t, r) in enumerate(picked)
    )
    for p in planned:
        if not p.rendition.segments:
            raise PlanError(f"{p.kind} rendition {p.rendition.id!r} lists no segments")
        p.slots()  # refuse mid-stream init changes before anything is written
    return planned


def _audio_tracks(presentation: Presentation, langs: tuple[str, ...] | None) -> list[Track]:
    """The audio tracks to store: the default one (``None``), every one (``*``) or those of ``langs``. One the
    video carries (``Track.muxed``) may be chosen: it stores nothing of its own, the video's segments hold it."""
    audio = presentation.audio_choices()
    if not audio:
        return []
    if langs is None:
        return [audio_to_play(audio, None) or audio[0]]
    if "*" in langs:
        return list(audio)
    chosen = [t for t in audio if t.language in langs]
    if not chosen:
        have = ", ".join(sorted({t.language or "?" for t in audio}))
        raise PlanError(f"no audio in {', '.join(langs)} (the title has: {have})")
    return chosen

"""Which audio and text track a viewer asked for (``--audio LANG|NAME``, ``--subtitles LANG``), no I/O.

Why a module of its own: the CLI, the session and the scheduler must agree on the track, and a request
that matches nothing must fail *before* anything plays, naming what the title offers — a QA run that
silently played the default language would pass a check it never made.

Matching (BCP 47, RFC 5646 §2.1: tags are case-insensitive): the language tag exactly, then its primary
subtag (``en`` picks ``en-GB`` when there is no ``en``), then the track's name (HLS ``NAME``, DASH
``Label``), case-insensitively. Audio with no request is the first track (the manifest's default
order); text with no request is none.
"""
from __future__ import annotations

from collections.abc import Sequence

from player.errors import TrackNotFound
from player.manifest import Presentation, Track

__all__ = ["TrackNotFound", "check_choices", "choose_audio", "choose_text", "describe", "find_track"]


def find_track(tracks: Sequence[Track], wanted: str | None) -> Track | None:
    """The track ``wanted`` names (language tag, primary subtag, or name), or None."""
    if not wanted:
        return None
    key = wanted.strip().lower()
    usable = [t for t in tracks if t.renditions]
    tags = [(t.language or "").lower() for t in usable]
    for keys in (tags, [tag.split("-")[0] if "-" not in key else tag for tag in tags],
                 [(t.label or "").strip().lower() for t in usable]):
        if key in keys:
            return usable[keys.index(key)]
    return None


def choose_audio(presentation: Presentation, wanted: str | None) -> Track | None:
    """The audio track to play: ``wanted``, else the first; :class:`TrackNotFound` when ``wanted`` matches none."""
    tracks = [t for t in presentation.audio_tracks() if t.renditions]
    if not wanted:
        return tracks[0] if tracks else None
    found = find_track(tracks, wanted)
    if found is None:
        raise TrackNotFound(f"--audio {wanted}: no such audio track; this title has {describe(tracks)}")
    return found


def choose_text(presentation: Presentation, wanted: str | None) -> Track | None:
    """The text track to show, or None when none was asked for; :class:`TrackNotFound` when ``wanted`` matches none."""
    if not wanted:
        return None
    tracks = [t for t in presentation.text_tracks() if t.renditions]
    found = find_track(tracks, wanted)
    if found is None:
        raise TrackNotFound(f"--subtitles {wanted}: no such subtitle track; this title has {describe(tracks)}")
    return found


def check_choices(presentation: Presentation, audio: str | None, text: str | None) -> None:
    """Both requests at once, before anything is fetched: :class:`TrackNotFound` for the first that matches nothing."""
    choose_audio(presentation, audio)
    choose_text(presentation, text)


def describe(tracks: Sequence[Track]) -> str:
    """``en (English), de (Deutsch)``; ``none`` for no track."""
    names = [f"{t.language or 'und'}" + (f" ({t.label})" if t.label and t.label != t.language else "") for t in tracks]
    return ", ".join(names) or "none"

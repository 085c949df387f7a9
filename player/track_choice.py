"""Which audio and text track a viewer asked for (``--audio LANG|NAME``, ``--subtitles LANG``), no I/O.

Why a module of its own: the CLI, the session and the scheduler must agree on the track, and a request
that matches nothing must fail *before* anything plays, naming what the title offers — a QA run that
silently played the default language would pass a check it never made.

Matching (BCP 47, RFC 5646 §2.1: tags are case-insensitive): the language tag exactly, then its primary
subtag (``en`` picks ``en-GB`` when there is no ``en``), then the track's name (HLS ``NAME``, DASH
``Label``), case-insensitively. Audio with no request is the manifest's default — HLS ``DEFAULT=YES``
(RFC 8216 §4.4.6.1: what the client SHOULD play absent a choice), DASH Role ``main`` — else the first
track, as Shaka Player and plain libmpv pick; text with no request is none. An audio track the video carries
(HLS ``EXT-X-MEDIA`` without a URI: ``Track.muxed``) is chosen like any other; chosen, nothing is fetched beside
the video (before session 41 it was dropped, and the German beside a default English played).
"""
from __future__ import annotations

from collections.abc import Sequence

from player.errors import TrackNotFound
from player.manifest import Presentation, Track

__all__ = ["TrackNotFound", "audio_to_play", "check_choices", "choose_audio", "choose_text", "describe", "find_track"]


def find_track(tracks: Sequence[Track], wanted: str | None) -> Track | None:
    """The track ``wanted`` names (language tag, primary subtag, or name), or None."""
    if not wanted:
        return None
    key = wanted.strip().lower()
    usable = [t for t in tracks if _playable(t)]
    tags = [(t.language or "").lower() for t in usable]
    for keys in (tags, [tag.split("-")[0] if "-" not in key else tag for tag in tags],
                 [(t.label or "").strip().lower() for t in usable]):
        if key in keys:
            return usable[keys.index(key)]
    return None


def audio_to_play(tracks: Sequence[Track], wanted: str | None) -> Track | None:
    """The track ``wanted`` names, else the manifest's default, else the first (None without audio)."""
    usable = [t for t in tracks if _playable(t)]
    return find_track(usable, wanted) or next((t for t in usable if t.default), usable[0] if usable else None)


def _playable(track: Track) -> bool:
    return bool(track.renditions) or track.muxed


def choose_audio(presentation: Presentation, wanted: str | None) -> Track | None:
    """The audio track to play: ``wanted``, else the default; :class:`TrackNotFound` when ``wanted`` matches none."""
    tracks = [t for t in presentation.audio_choices() if _playable(t)]
    if not wanted:
        return audio_to_play(tracks, None)
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

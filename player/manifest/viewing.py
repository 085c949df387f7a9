"""Which video renditions a viewer's ladder is made of, pure: one codec family, no trick-play rendition, the
variants that carry the audio being played.

Shared by the player's ABR ladder and the download command's quality choice, so both offer the same rungs.
"""
from __future__ import annotations

from .model import Rendition, Track
from .periods import codec_family

VIDEO_FAMILIES = frozenset({"h264", "hevc", "vp9", "av1"})
_TRICK_PLAY_FPS = 5.0  # below this a video rendition is for scrubbing, not viewing
# sample entries that name no picture: an unknown one of these is not a video family of its own
_NOT_VIDEO = frozenset({"ac-4", "mhm1", "mha1", "dtsc", "dtse", "dtsh", "dtsl", "dtsx", "alac", "ipcm", "fpcm",
                        "stpp", "wvtt", "tx3g", "c608", "c708"})


def one_codec_family(renditions: tuple[Rendition, ...]) -> tuple[Rendition, ...]:
    """The renditions of one video codec family, in the order given.

    A master may offer the title in several codecs side by side (Apple's authoring spec: H.264 and
    HEVC variants in one master); a switch across families would change the decoder mid-stream, so
    the ladder keeps one: the family reaching the highest resolution, then the one with the lowest
    mean bandwidth (the more efficient codec, the rule Shaka Player applies). A rendition whose
    codec is not declared belongs to every family; a declared codec we do not know (Dolby Vision's
    ``dvh1``, say) is a family of its own, never a bridge between two.
    """
    families: dict[str, list[Rendition]] = {}
    for rendition in renditions:
        family = _video_family(rendition.codecs)
        if family is not None:
            families.setdefault(family, [])
    if len(families) < 2:
        return renditions
    for rendition in renditions:
        family = _video_family(rendition.codecs)
        for name, members in families.items():
            if family in (None, name):
                members.append(rendition)

    def rank(members: list[Rendition]) -> tuple[int, float]:
        return max(r.height or 0 for r in members), -sum(r.bandwidth for r in members) / len(members)

    return tuple(families[max(families, key=lambda name: rank(families[name]))])


def viewing_ladder(renditions: tuple[Rendition, ...], audio: Track | None = None,
                   played: Rendition | None = None) -> tuple[Rendition, ...]:
    """The renditions an ABR may pick, lowest first: one codec family, no trick-play rendition, and (HLS) the
    variants of the audio track ``audio`` whose rendition ``played`` is fed beside them."""
    return one_codec_family(watchable(with_audio(renditions, audio, played)))


def with_audio(renditions: tuple[Rendition, ...], audio: Track | None,
               played: Rendition | None) -> tuple[Rendition, ...]:
    """The HLS variants whose ``AUDIO`` group holds the audio track played, one per video playlist.

    Shaka Packager (and Apple's authoring spec) list the same video once per audio codec: ``AUDIO="aac"``,
    ``"ac3"``, ``"eac3"`` variants naming one video playlist, their BANDWIDTH counting each codec's audio.
    As rungs they are one picture: a "switch" between them changes nothing on screen, and the rung's
    bitrate would count audio that is not played. Shaka Player and hls.js keep the variants of the
    chosen audio; so do we. Variants whose group lacks the track are dropped (unless none is left); of
    several naming one video playlist, the one of ``played``'s group stays (else the first).
    """
    groups = {r.group_id for r in audio.renditions if r.group_id} if audio else set()
    kept = tuple(r for r in renditions if r.audio_group is None or r.audio_group in groups) if groups else ()
    kept = kept or renditions
    keys = [r.playlist_urls or (f"#{i}",) for i, r in enumerate(kept)]  # DASH: every Representation is its own
    chosen: dict[tuple[str, ...], Rendition] = {}
    for key, r in zip(keys, kept):
        held = chosen.get(key)
        if held is None or (played is not None and r.audio_group == played.group_id != held.audio_group):
            chosen[key] = r
    return tuple(r for key, r in zip(keys, kept) if chosen[key] is r)


def watchable(renditions: tuple[Rendition, ...]) -> tuple[Rendition, ...]:
    """``renditions`` without trick-play ones: a rendition under 5 fps beside faster ones. Shaka Packager lists
    its ``trick_play_factor`` streams as ordinary HLS variants (``FRAME-RATE=0.500``); an ABR starting low
    would show the viewer a slideshow. (DASH marks them, :mod:`player.manifest.dash_props`.)"""
    kept = tuple(r for r in renditions if r.frame_rate is None or r.frame_rate >= _TRICK_PLAY_FPS)
    return kept or renditions


def _video_family(codecs: str | None) -> str | None:
    """The video family of a ``CODECS`` value: a known one, else the first unknown sample entry; None when
    nothing is declared."""
    entries = [entry.strip().lower() for entry in (codecs or "").split(",") if entry.strip()]
    known = next((f for e in entries if (f := codec_family(e)) in VIDEO_FAMILIES), None)
    unknown = (e.split(".")[0] for e in entries if codec_family(e) is None and e.split(".")[0] not in _NOT_VIDEO)
    return known or next(unknown, None)

"""HLS → neutral model (RFC 8216), no I/O.

A multivariant playlist names the renditions; each media playlist (fetched by the loader)
holds the segments. ``presentation_from_master`` therefore takes the already parsed media
playlists by URL; renditions whose playlist is missing keep ``segments=()`` and their
``playlist_urls`` so a caller can see what is still to fetch.

Mapping
- Variants (EXT-X-STREAM-INF) → one video track (an audio-only ladder → one audio track).
  Variants with the same BANDWIDTH, RESOLUTION and CODECS but a different URI are redundant
  streams: one rendition whose segment ``urls`` list each copy.
- EXT-X-MEDIA TYPE=AUDIO/SUBTITLES with a URI → audio/text tracks, one per (LANGUAGE, NAME),
  with one rendition per GROUP-ID (``Rendition.group_id``; variants name theirs in
  ``audio_group``/``subtitle_group``). An AUDIO entry without URI is carried in the variant's own segments:
  a ``muxed`` track with nothing to fetch, so ``--audio`` can name it and its ``DEFAULT=YES`` plays it (only
  when there is one such entry: which of several streams in a TS is which language is not known here).
  TYPE=VIDEO alternatives (camera angles) and CLOSED-CAPTIONS are not tracks we can fetch.
- EXT-X-I-FRAME-STREAM-INF is skipped (trick play is not used).
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from .errors import InconsistentEditions, ManifestError, located
from .hls_playlist import MasterPlaylist, MediaPlaylist, Variant, is_master, parse_master, parse_media, split_lines, decode
from .merge import merge_renditions
from .model import Period, Presentation, Rendition, Track, TrackKind

AUDIO_CODECS = ("mp4a", "ac-3", "ec-3", "ac-4", "opus", "flac", "mp3", "alac", "dtsc", "dtse")
_EXT_MIME = {
    ".ts": "video/mp2t", ".aac": "audio/aac", ".mp3": "audio/mpeg", ".ac3": "audio/ac3",
    ".ec3": "audio/eac3", ".vtt": "text/vtt", ".webvtt": "text/vtt", ".mp4": "video/mp4",
    ".m4s": "video/mp4", ".m4v": "video/mp4", ".m4a": "audio/mp4", ".cmfv": "video/mp4", ".cmfa": "audio/mp4",
}


def parse_hls(data: str | bytes, url: str) -> Presentation:
    """Any HLS playlist on its own: a media playlist becomes a one-rendition presentation; a
    multivariant playlist becomes renditions without segments (the loader fills them)."""
    lines = split_lines(decode(data, url), url)
    try:
        master = is_master(lines)
    except ManifestError as exc:
        raise located(exc, source=url) from None
    if master:
        return presentation_from_master(parse_master(data, url), {})
    return presentation_from_media(parse_media(data, url))


def _guess_mime(uri: str, kind: TrackKind, fmp4: bool) -> str | None:
    if fmp4:
        return {"video": "video/mp4", "audio": "audio/mp4", "text": "application/mp4"}[kind]
    path = urlsplit(uri).path.lower()
    for ext, mime in _EXT_MIME.items():
        if path.endswith(ext):
            return mime
    return None


def _kind_of_media(playlist: MediaPlaylist) -> TrackKind:
    if not playlist.segments:
        return "video"
    mime = _guess_mime(playlist.segments[0].urls[0], "video", False) or ""
    return "text" if mime.startswith("text/") else "audio" if mime.startswith("audio/") else "video"


def _rendition(rid: str, playlist: MediaPlaylist | None, kind: TrackKind, **attrs: object) -> Rendition:
    segs = playlist.segments if playlist else ()
    init = segs[0].init if segs else None
    prot = next((s.protection for s in segs if s.protection is not None), None)
    mime = _guess_mime(segs[0].urls[0], kind, init is not None) if segs else None
    return Rendition(id=rid, mime_type=mime, init=init, segments=segs, protection=prot, **attrs)  # type: ignore[arg-type]


def _timing(playlists: list[MediaPlaylist]) -> tuple[bool, float | None]:
    if not playlists:
        return False, None
    live = any(not p.endlist and p.playlist_type != "VOD" for p in playlists)
    first = playlists[0]
    duration = None if live else sum(s.duration_s for s in first.segments)
    return live, duration


def presentation_from_media(playlist: MediaPlaylist) -> Presentation:
    kind = _kind_of_media(playlist)
    rendition = _rendition("0", playlist, kind, bandwidth=0, playlist_urls=(playlist.url,))
    live, duration = _timing([playlist])
    track = Track(kind=kind, renditions=(rendition,))
    return Presentation(periods=(Period(id="0", start_s=0.0, duration_s=duration, tracks=(track,)),),
                        is_live=live, duration_s=duration, source_url=playlist.url)


def _audio_variant(v: Variant) -> bool:
    codecs = [c.strip().lower() for c in (v.codecs or "").split(",") if c.strip()]
    return bool(codecs) and all(c.startswith(AUDIO_CODECS) for c in codecs) and v.height is None


def _ladder(variants: tuple[Variant, ...]) -> tuple[tuple[Variant, ...], TrackKind]:
    """The variants that form the ladder, and its kind.

    An audio-only variant beside video ones (ffmpeg's ``-var_stream_map`` writes one for its audio
    group) is a fallback for clients that cannot show video, not a rung: picking it as the lowest
    video rung would feed a segment with no picture. hls.js drops such levels the same way.
    """
    video = tuple(v for v in variants if not _audio_variant(v))
    return (video, "video") if video else (variants, "audio")


def _variant_groups(variants: tuple[Variant, ...]) -> list[list[Variant]]:
    """Variants grouped as redundant copies (same BANDWIDTH, RESOLUTION, CODECS, groups)."""
    groups: dict[tuple[object, ...], list[Variant]] = {}
    for v in variants:
        key = (v.bandwidth, v.width, v.height, v.codecs, v.audio, v.subtitles)
        bucket = groups.setdefault(key, [])
        if v.uri not in (x.uri for x in bucket):
            bucket.append(v)
    return list(groups.values())


def _with_alternates(primary: Rendition, alternates: list[MediaPlaylist], kind: TrackKind) -> Rendition:
    merged = primary
    for alt in alternates:
        try:
            merged = merge_renditions(merged, _rendition(primary.id, alt, kind, bandwidth=primary.bandwidth,
                                                         playlist_urls=(alt.url,)))
        except InconsistentEditions:
            continue  # a redundant copy that does not line up is not an alternative for these bytes
    return merged


def presentation_from_master(master: MasterPlaylist, media: Mapping[str, MediaPlaylist]) -> Presentation:
    """The whole presentation from a multivariant playlist and the media playlists fetched so far."""
    variants, kind = _ladder(master.variants)
    renditions: list[Rendition] = []
    for i, group in enumerate(_variant_groups(variants)):
        v = group[0]
        fetched = [media[x.uri] for x in group if x.uri in media]
        primary = _rendition(
            f"v{i}", fetched[0] if fetched else None, kind, bandwidth=v.bandwidth, codecs=v.codecs, width=v.width,
            height=v.height, frame_rate=v.frame_rate, playlist_urls=tuple(x.uri for x in group),
            audio_group=v.audio, subtitle_group=v.subtitles)
        renditions.append(_with_alternates(primary, fetched[1:], kind))
    tracks: list[Track] = []
    if renditions:
        tracks.append(Track(kind=kind, renditions=tuple(renditions)))
    media_kinds: tuple[tuple[str, TrackKind], ...] = (("AUDIO", "audio"), ("SUBTITLES", "text"))
    for mtype, tkind in media_kinds:
        by_name: dict[tuple[str | None, str], list[Rendition]] = {}  # in document order; [] for a muxed one
        defaults: set[tuple[str | None, str]] = set()
        entries = [e for e in master.media if e.type == mtype]
        # audio in the variant's own segments: one such entry is the variant's audio; of several (a TS with a stream
        # per language) we cannot tell which stream is which, so none is offered rather than the wrong one
        carried = [e for e in entries if not e.uri] if mtype == "AUDIO" else []
        with_uri = 0  # ids count the entries with a URI only, as before muxed tracks existed (a download's refs keep them)
        for m in (e for e in entries if e.uri or (len(carried) == 1 and e is carried[0])):
            renditions = by_name.setdefault((m.language, m.name), [])
            if m.uri:
                renditions.append(_rendition(f"{tkind[0]}{with_uri}", media.get(m.uri), tkind, bandwidth=0,
                                             playlist_urls=(m.uri,), group_id=m.group_id,
                                             codecs=_group_codecs(master, m.group_id, tkind)))
                with_uri += 1
            if m.default:
                defaults.add((m.language, m.name))
        for (lang, name), rs in by_name.items():
            tracks.append(Track(kind=tkind, language=lang, label=name, renditions=tuple(rs),
                                default=(lang, name) in defaults, muxed=not rs))
    loaded = [media[u] for u in master.playlist_urls() if u in media]
    live, duration = _timing(loaded)
    return Presentation(periods=(Period(id="0", start_s=0.0, duration_s=duration, tracks=tuple(tracks)),),
                        is_live=live, duration_s=duration, source_url=master.url)


def _group_codecs(master: MasterPlaylist, group_id: str, kind: str) -> str | None:
    """The audio codec of a group, read from the CODECS of a variant that uses it."""
    if kind != "audio":
        return None
    for v in master.variants:
        if v.audio == group_id and v.codecs:
            audio = [c.strip() for c in v.codecs.split(",") if c.strip().lower().startswith(AUDIO_CODECS)]
            if audio:
                return audio[0]
    return None


__all__ = ["parse_hls", "parse_master", "parse_media", "presentation_from_master", "presentation_from_media",
           "MasterPlaylist", "MediaPlaylist"]

"""HLS media playlist text → a typed segment index (RFC 8216 §4.4.3–4.4.4), no I/O.

The grammar is :mod:`.hls_lines`, the multivariant playlist :mod:`.hls_master`; the names of both
that other modules read from here are re-exported. The result is still format-shaped;
:mod:`player.manifest.hls` turns it into the neutral model.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .convert import to_float, to_int
from .errors import ManifestError
from .hls_keys import KeyState
from .hls_lines import Definitions, byte_range, decode, is_master, parse_attributes, split_lines, tags
from .hls_master import MasterPlaylist, MediaEntry, Variant, parse_master
from .limits import MAX_SEGMENTS, charge
from .model import ByteRange, SegmentRef
from .uris import check_base, resolve

__all__ = [
    "MasterPlaylist", "MediaEntry", "MediaPlaylist", "Variant", "decode", "is_master", "parse_attributes",
    "parse_master", "parse_media", "split_lines",
]


@dataclass(frozen=True, kw_only=True)
class MediaPlaylist:
    url: str
    target_duration: float | None
    media_sequence: int
    segments: tuple[SegmentRef, ...]
    endlist: bool
    playlist_type: str | None = None
    iframes_only: bool = False



def parse_media(data: str | bytes, url: str, *, variables: Mapping[str, str] | None = None) -> MediaPlaylist:
    """A media playlist: segments with their effective EXT-X-MAP and EXT-X-KEY.

    ``variables`` are the multivariant playlist's EXT-X-DEFINEs, available to ``IMPORT``.
    LL-HLS parts and preload hints are ignored (we fetch whole segments); EXT-X-GAP segments are
    kept with ``gap=True`` (the timeline stays whole; a player reports them skipped); each segment
    carries its discontinuity sequence number (EXT-X-DISCONTINUITY-SEQUENCE plus the
    EXT-X-DISCONTINUITY tags before it, RFC 8216 §4.4.3.3) as ``timeline``; EXT-X-SKIP advances the
    numbering by the skipped count.
    """
    check_base(url)
    text = decode(data, url)
    if text.count("#EXTINF") > MAX_SEGMENTS:  # before the lines and segments cost memory
        raise ManifestError(f"more than {MAX_SEGMENTS} segments in one playlist", source=url)
    lines = split_lines(text, url)
    del text
    ctx = Definitions(url=url, variables={}, imported=variables or {})
    keys = KeyState(url=url)
    segments: list[SegmentRef] = []
    target = None
    media_sequence = 0
    seq_seen_segment = False
    endlist = iframes = False
    playlist_type = None
    duration: float | None = None
    byterange: tuple[int, int | None] | None = None
    discontinuity = gap = False
    init: SegmentRef | None = None
    next_offset: dict[str, int] = {}
    skipped = 0
    timeline = 0
    index = 0
    t = 0.0
    for n, ln, name, value in tags(lines, ctx, url):
        if name == "#EXTINF":
            dur = to_float(value.split(",", 1)[0], name="EXTINF")
            if dur is None or dur < 0:
                raise ManifestError(f"negative EXTINF {value!r}", source=url, line=n)
            duration = dur
        elif name == "#EXT-X-TARGETDURATION":
            target = to_float(value, name="EXT-X-TARGETDURATION")
        elif name == "#EXT-X-MEDIA-SEQUENCE":
            if seq_seen_segment:
                raise ManifestError("EXT-X-MEDIA-SEQUENCE after the first segment (§4.4.3.2)", source=url, line=n)
            media_sequence = to_int(value, name="EXT-X-MEDIA-SEQUENCE") or 0
        elif name == "#EXT-X-ENDLIST":
            endlist = True
        elif name == "#EXT-X-PLAYLIST-TYPE":
            if playlist_type is not None:
                raise ManifestError("EXT-X-PLAYLIST-TYPE appears twice (RFC 8216 §4.4.3.5)", source=url, line=n)
            playlist_type = value.strip().upper()
        elif name == "#EXT-X-I-FRAMES-ONLY":
            iframes = True
        elif name == "#EXT-X-BYTERANGE":
            byterange = byte_range(value, url=url, line=n)
        elif name == "#EXT-X-DISCONTINUITY":
            discontinuity = True
            timeline += 1
        elif name == "#EXT-X-DISCONTINUITY-SEQUENCE":
            if seq_seen_segment:
                raise ManifestError("EXT-X-DISCONTINUITY-SEQUENCE after the first segment (§4.4.3.3)", source=url, line=n)
            timeline = to_int(value, name="EXT-X-DISCONTINUITY-SEQUENCE") or 0
        elif name == "#EXT-X-GAP":
            gap = True
        elif name == "#EXT-X-SKIP":
            skipped += to_int(parse_attributes(value, url=url, line=n).get("SKIPPED-SEGMENTS"),
                              name="SKIPPED-SEGMENTS", default=0) or 0
        elif name == "#EXT-X-KEY":
            keys.apply(parse_attributes(value, url=url, line=n), n)
        elif name == "#EXT-X-MAP":
            attrs = parse_attributes(value, url=url, line=n)
            if "URI" not in attrs:
                raise ManifestError("EXT-X-MAP without URI", source=url, line=n)
            rng = None
            if "BYTERANGE" in attrs:
                length, offset = byte_range(attrs["BYTERANGE"], url=url, line=n)
                rng = ByteRange(offset or 0, length)
            init = SegmentRef(number=0, start_s=t, duration_s=0.0, urls=(resolve(url, attrs["URI"]),), byte_range=rng)
        elif not ln.startswith("#"):
            if duration is None:
                raise ManifestError("segment URI without EXTINF (RFC 8216 §4.4.4.1)", source=url, line=n)
            uri = resolve(url, ln)
            rng = None
            if byterange is not None:
                length, offset = byterange
                if offset is None:
                    offset = next_offset.get(uri, 0)
                rng = ByteRange(offset, length)
                next_offset[uri] = offset + length
            seq_seen_segment = True
            if len(segments) >= MAX_SEGMENTS:
                raise ManifestError(f"more than {MAX_SEGMENTS} segments in one playlist", source=url, line=n)
            segments.append(SegmentRef(
                number=media_sequence + skipped + index, start_s=t, duration_s=duration, urls=(uri,),
                byte_range=rng, init=init, protection=keys.protection(), discontinuity=discontinuity,
                timeline=timeline, gap=gap))
            t += duration
            index += 1
            duration, byterange, discontinuity, gap = None, None, False, False
    charge(len(segments), "the playlist")
    return MediaPlaylist(url=url, target_duration=target, media_sequence=media_sequence, segments=tuple(segments),
                         endlist=endlist, playlist_type=playlist_type, iframes_only=iframes)

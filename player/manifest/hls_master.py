"""HLS multivariant (master) playlist text → typed values (RFC 8216 §4.4.6), no I/O.

The result is still format-shaped (variants, renditions); :mod:`player.manifest.hls` turns it into
the neutral model.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .convert import to_frame_rate, to_int
from .errors import ManifestError, located
from .hls_keys import KeyState
from .hls_lines import Definitions, decode, parse_attributes, split_lines, tags
from .model import Protection
from .uris import check_base, resolve


@dataclass(frozen=True, kw_only=True)
class Variant:
    """EXT-X-STREAM-INF and the URI line after it (§4.4.6.2)."""

    uri: str
    bandwidth: int
    average_bandwidth: int | None = None
    codecs: str | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    audio: str | None = None
    video: str | None = None
    subtitles: str | None = None
    line: int = 0


@dataclass(frozen=True, kw_only=True)
class MediaEntry:
    """EXT-X-MEDIA (§4.4.6.1): an alternative audio/subtitle/video rendition of a group."""

    type: str
    group_id: str
    name: str
    uri: str | None = None
    language: str | None = None
    default: bool = False
    autoselect: bool = False
    characteristics: str | None = None
    channels: str | None = None


@dataclass(frozen=True, kw_only=True)
class MasterPlaylist:
    url: str
    variants: tuple[Variant, ...] = ()
    media: tuple[MediaEntry, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    session_keys: tuple[Protection, ...] = ()

    def playlist_urls(self) -> tuple[str, ...]:
        """Every media playlist URL a player must fetch (variants, then audio/subtitles)."""
        urls: list[str] = [v.uri for v in self.variants]
        urls += [m.uri for m in self.media if m.uri and m.type in ("AUDIO", "SUBTITLES")]
        return tuple(dict.fromkeys(urls))


def parse_master(data: str | bytes, url: str) -> MasterPlaylist:
    """A multivariant (master) playlist. I-frame playlists are skipped: we never play trick modes."""
    check_base(url)
    lines = split_lines(decode(data, url), url)
    ctx = Definitions(url=url, variables={}, imported={})
    variants: list[Variant] = []
    media: list[MediaEntry] = []
    session_keys: list[Protection] = []
    pending: tuple[dict[str, str], int] | None = None
    for n, ln, name, value in tags(lines, ctx, url):
        if name == "#EXT-X-STREAM-INF":
            pending = (parse_attributes(value, url=url, line=n), n)
        elif name == "#EXT-X-MEDIA":
            media.append(_media_entry(parse_attributes(value, url=url, line=n), url, n))
        elif name == "#EXT-X-SESSION-KEY":
            keys = KeyState(url=url)
            keys.apply(parse_attributes(value, url=url, line=n), n)
            prot = keys.protection()
            if prot is not None:
                session_keys.append(prot)
        elif not ln.startswith("#"):
            if pending is None:
                continue  # a stray URI line in a multivariant playlist carries no meaning
            attrs, at = pending
            variants.append(_variant(attrs, resolve(url, ln), url, at))
            pending = None
    return MasterPlaylist(url=url, variants=tuple(variants), media=tuple(media),
                          variables=dict(ctx.variables), session_keys=tuple(session_keys))


def _variant(attrs: dict[str, str], uri: str, url: str, line: int) -> Variant:
    if "BANDWIDTH" not in attrs:
        raise ManifestError("EXT-X-STREAM-INF without BANDWIDTH (RFC 8216 §4.4.6.2)", source=url, line=line)
    width = height = None
    if "RESOLUTION" in attrs:
        m = re.fullmatch(r"(\d{1,6})[xX](\d{1,6})", attrs["RESOLUTION"].strip())
        if not m:
            raise ManifestError(f"RESOLUTION {attrs['RESOLUTION']!r} is not WxH", source=url, line=line)
        width, height = int(m.group(1)), int(m.group(2))
    try:
        return Variant(
            uri=uri,
            bandwidth=to_int(attrs["BANDWIDTH"], name="BANDWIDTH") or 0,
            average_bandwidth=to_int(attrs.get("AVERAGE-BANDWIDTH"), name="AVERAGE-BANDWIDTH"),
            codecs=attrs.get("CODECS"),
            width=width,
            height=height,
            frame_rate=to_frame_rate(attrs.get("FRAME-RATE"), name="FRAME-RATE"),
            audio=attrs.get("AUDIO"),
            video=attrs.get("VIDEO"),
            subtitles=attrs.get("SUBTITLES"),
            line=line,
        )
    except ManifestError as exc:
        raise located(exc, source=url, line=line) from None


def _media_entry(attrs: dict[str, str], url: str, line: int) -> MediaEntry:
    for required in ("TYPE", "GROUP-ID", "NAME"):
        if required not in attrs:
            raise ManifestError(f"EXT-X-MEDIA without {required} (RFC 8216 §4.4.6.1)", source=url, line=line)
    kind = attrs["TYPE"].upper()
    uri = attrs.get("URI")
    return MediaEntry(
        type=kind,
        group_id=attrs["GROUP-ID"],
        name=attrs["NAME"],
        uri=resolve(url, uri) if uri and kind != "CLOSED-CAPTIONS" else None,
        language=attrs.get("LANGUAGE"),
        default=attrs.get("DEFAULT", "NO").upper() == "YES",
        autoselect=attrs.get("AUTOSELECT", "NO").upper() == "YES",
        characteristics=attrs.get("CHARACTERISTICS"),
        channels=attrs.get("CHANNELS"),
    )

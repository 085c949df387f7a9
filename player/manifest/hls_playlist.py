"""HLS playlist text → typed playlist values (RFC 8216 / draft-pantos-hls-rfc8216bis), no I/O.

Why our own line parser rather than ``m3u8``: on the corpus ``m3u8`` 6.0.0 raises
``KeyError``/``TypeError``/``ValueError`` on 13 of 215 files, does not substitute EXT-X-DEFINE
variables (§4.4.2.3), turns trailing LL-HLS parts into URI-less segments and does not compute
implicit byte-range offsets (§4.4.4.2). Each of those would need a pre-pass or a post-fix around
the library; the grammar itself (tags, attribute lists, URI lines) is forty lines, so we parse it
directly and keep every rule visible here. The result is still format-shaped (playlists,
variants, renditions); :mod:`player.manifest.hls` turns it into the neutral model.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from .convert import to_float, to_frame_rate, to_int
from .errors import ManifestError, located
from .hls_keys import KeyState
from .limits import MAX_SEGMENTS, charge
from .model import ByteRange, Protection, SegmentRef
from .uris import check_base, resolve

MAX_LINES = 2_000_000

# RFC 8216 §4.2: AttributeName=AttributeValue, comma separated; quoted strings have no '"' or CR/LF.
_ATTR = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("[^"\r\n]*"|[^",]*)\s*(,|$)')
_VARREF = re.compile(r"\{\$([A-Za-z0-9_-]+)\}")


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


@dataclass(frozen=True, kw_only=True)
class MediaPlaylist:
    url: str
    target_duration: float | None
    media_sequence: int
    segments: tuple[SegmentRef, ...]
    endlist: bool
    playlist_type: str | None = None
    iframes_only: bool = False


@dataclass
class _Lines:
    """Tag lines with EXT-X-DEFINE substitution applied in document order (§4.4.2.3)."""

    url: str
    variables: dict[str, str]
    imported: Mapping[str, str]

    def define(self, attrs: dict[str, str], line: int) -> None:
        if "NAME" in attrs:
            self.variables[attrs["NAME"]] = attrs.get("VALUE", "")
        elif "IMPORT" in attrs:
            name = attrs["IMPORT"]
            if name not in self.imported:
                raise ManifestError(f"EXT-X-DEFINE IMPORT of undefined variable {name!r}", source=self.url, line=line)
            self.variables[name] = self.imported[name]
        elif "QUERYPARAM" in attrs:
            name = attrs["QUERYPARAM"]
            values = parse_qs(urlsplit(self.url).query).get(name)
            if not values:
                raise ManifestError(f"EXT-X-DEFINE QUERYPARAM {name!r} is not in the URL", source=self.url, line=line)
            self.variables[name] = values[0]
        else:
            raise ManifestError("EXT-X-DEFINE without NAME, IMPORT or QUERYPARAM", source=self.url, line=line)

    def substitute(self, text: str, line: int) -> str:
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in self.variables:
                raise ManifestError(f"variable {name!r} used before EXT-X-DEFINE", source=self.url, line=line)
            return self.variables[name]

        return _VARREF.sub(repl, text) if "{$" in text else text


def decode(data: str | bytes, url: str) -> str:
    """Playlists are UTF-8 (§4.1); a BOM is tolerated."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ManifestError(f"playlist is not UTF-8: {exc.reason}", source=url) from None
    return data.lstrip("\ufeff")


def split_lines(text: str, url: str) -> list[tuple[int, str]]:
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ManifestError("playlist too long", source=url)
    numbered = [(i + 1, ln.strip()) for i, ln in enumerate(lines)]
    numbered = [(n, ln) for n, ln in numbered if ln]
    if not numbered or numbered[0][1] != "#EXTM3U":
        raise ManifestError("not an HLS playlist: the first line must be #EXTM3U", source=url, line=1)
    return numbered[1:]


def parse_attributes(text: str, *, url: str, line: int) -> dict[str, str]:
    """An attribute list (§4.2); quotes are removed. Malformed lists raise ManifestError."""
    attrs: dict[str, str] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _ATTR.match(text, pos)
        if not m or m.end() == pos:
            raise ManifestError(f"malformed attribute list near {text[pos:pos + 30]!r}", source=url, line=line)
        value = m.group(2).strip()
        if value.startswith('"'):
            value = value[1:-1]
        attrs[m.group(1).upper()] = value
        pos = m.end()
    return attrs


def is_master(lines: list[tuple[int, str]]) -> bool:
    """A multivariant playlist has STREAM-INF/MEDIA tags; a media playlist has segments (§4.1)."""
    master_tags = ("#EXT-X-STREAM-INF", "#EXT-X-MEDIA:", "#EXT-X-I-FRAME-STREAM-INF")
    media_tags = ("#EXTINF", "#EXT-X-TARGETDURATION", "#EXT-X-MEDIA-SEQUENCE", "#EXT-X-ENDLIST")
    has_master = any(ln.startswith(master_tags) for _, ln in lines)
    has_media = any(ln.startswith(media_tags) for _, ln in lines)
    if has_master and has_media:
        raise ManifestError("playlist mixes multivariant and media playlist tags (RFC 8216 §4.1)")
    return has_master


def _tag(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name, value


def _tags(lines: Iterable[tuple[int, str]], ctx: _Lines, url: str) -> Iterator[tuple[int, str, str, str]]:
    """(line number, line, tag name, value) with EXT-X-DEFINE applied and comments skipped (RFC 8216 §4.3.1.3)."""
    for n, raw in lines:
        if raw.startswith("#EXT-X-DEFINE:"):
            ctx.define(parse_attributes(raw[14:], url=url, line=n), n)
            continue
        if raw.startswith("#") and not raw.startswith("#EXT"):
            continue
        ln = ctx.substitute(raw, n)
        name, value = _tag(ln)
        yield n, ln, name, value


def parse_master(data: str | bytes, url: str) -> MasterPlaylist:
    """A multivariant (master) playlist. I-frame playlists are skipped: we never play trick modes."""
    check_base(url)
    lines = split_lines(decode(data, url), url)
    ctx = _Lines(url=url, variables={}, imported={})
    variants: list[Variant] = []
    media: list[MediaEntry] = []
    session_keys: list[Protection] = []
    pending: tuple[dict[str, str], int] | None = None
    for n, ln, name, value in _tags(lines, ctx, url):
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


def _byte_range(spec: str, *, url: str, line: int) -> tuple[int, int | None]:
    """``n[@o]`` (§4.4.4.2) → (length, offset or None)."""
    m = re.fullmatch(r"(\d{1,15})(?:@(\d{1,15}))?", spec.strip())
    if not m:
        raise ManifestError(f"malformed byte range {spec!r}", source=url, line=line)
    return int(m.group(1)), (int(m.group(2)) if m.group(2) is not None else None)


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
    ctx = _Lines(url=url, variables={}, imported=variables or {})
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
    for n, ln, name, value in _tags(lines, ctx, url):
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
            byterange = _byte_range(value, url=url, line=n)
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
                length, offset = _byte_range(attrs["BYTERANGE"], url=url, line=n)
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

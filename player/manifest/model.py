"""The neutral presentation model that both HLS and DASH parse into.

The scheduler, the CDN pool and the download manager are written against this model only, never
against a manifest format: ``Presentation → Period → Track → Rendition → SegmentRef``.

Conventions
- Times are seconds on the presentation timeline (DASH: ``Period@start`` plus the segment's
  ``(t - presentationTimeOffset) / timescale``, ISO/IEC 23009-1 §5.3.9.6; HLS: sum of EXTINF).
- ``SegmentRef.urls`` are *alternative absolute URLs for the same bytes* (DASH BaseURLs,
  HLS redundant variants, the backend's per-edge manifests). The CDN pool fails over between
  them; the first is the preferred one.
- ``bandwidth`` is bits per second, ``0`` when the manifest does not say (HLS audio renditions).
- ``SegmentRef.init`` / ``SegmentRef.protection`` are the *effective* init segment and key for
  that segment. They are the same objects as the rendition's unless an HLS playlist changes
  EXT-X-MAP or EXT-X-KEY mid-stream, so a downloader can always read them from the segment. A
  segment's ``protection`` of None means clear (HLS ``METHOD=NONE`` between keyed runs, or segments
  before the first EXT-X-KEY) — never the rendition's, which is only the first key it names.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple

TrackKind = Literal["video", "audio", "text"]


class Fetched(bytes):
    """A manifest body that remembers the URL it finally came from, after redirects.

    That URL is the base for the body's relative URIs (RFC 3986 §5.1.3): a CDN that redirects the
    master playlist to a regional edge serves the variants there, not beside the URL first asked
    for. libmpv's demuxers, hls.js and Shaka all resolve against it.
    """

    url: str

    def __new__(cls, body: bytes, url: str) -> Fetched:
        fetched = super().__new__(cls, body)
        fetched.url = url
        return fetched


def base_url(body: bytes | str, requested: str) -> str:
    """Where relative URIs in ``body`` resolve from: the redirected URL when it is known."""
    return body.url if isinstance(body, Fetched) else requested


class ByteRange(NamedTuple):
    """A byte range of a resource: ``length`` bytes starting at ``start`` (inclusive)."""

    start: int
    length: int

    @property
    def end(self) -> int:
        """Last byte, inclusive (as in an HTTP ``Range`` header)."""
        return self.start + self.length - 1

    def header(self) -> str:
        """The HTTP ``Range`` header value (RFC 9110 §14.1.2)."""
        return f"bytes={self.start}-{self.end}"


@dataclass(frozen=True, kw_only=True)
class Protection:
    """How a rendition (or an HLS segment) is encrypted.

    ``scheme``: ``cenc``/``cbcs``/``cens``/``cbc1`` (ISO/IEC 23001-7), ``aes-128`` (RFC 8216
    §5.2 whole-segment AES-CBC), ``sample-aes`` (HLS SAMPLE-AES, FairPlay-style), ``aes-256``...
    ``pssh`` holds whole ``pssh`` boxes; ``key_uri`` is the HLS key URI (absolute http(s) for
    AES-128; a ``data:`` URI for SAMPLE-AES-CTR/ClearKey); ``iv`` is an explicit IV or None (for
    AES-128 the IV is then the segment's media sequence number, see :meth:`iv_for`).
    """

    scheme: str
    default_kid: bytes | None = None
    pssh: tuple[bytes, ...] = ()
    key_uri: str | None = None
    iv: bytes | None = None
    key_format: str | None = None
    license_url: str | None = None  # W3C ClearKey licence server the manifest names (dashif:laurl, HLS org.w3.clearkey)

    def iv_for(self, segment: SegmentRef) -> bytes | None:
        """The IV to decrypt ``segment`` with: explicit, or for AES-128 the 128-bit big-endian
        media sequence number (RFC 8216 §5.2)."""
        if self.iv is not None:
            return self.iv
        if self.scheme == "aes-128":
            return segment.number.to_bytes(16, "big")
        return None


@dataclass(frozen=True, kw_only=True)
class SegmentRef:
    """One addressable piece of media (a segment, an init segment or a DASH index)."""

    number: int
    start_s: float
    duration_s: float
    urls: tuple[str, ...]
    byte_range: ByteRange | None = None
    init: SegmentRef | None = None
    protection: Protection | None = None
    discontinuity: bool = False
    timeline: int = 0  # HLS discontinuity sequence number / DASH period index: timestamps restart between timelines
    gap: bool = False  # HLS EXT-X-GAP: the segment is known to be missing (RFC 8216bis §4.4.4.7); never fetched
    # presentation time minus media time, where the manifest says it (DASH: Period@start − presentationTimeOffset,
    # which each Representation may set apart); None where it does not (HLS: placed by its first timestamps)
    media_offset_s: float | None = None
    # where its DASH Period starts when another came before, and ends when another follows: media outside is not
    # presented (ISO/IEC 23009-1 §5.3.2; MSE's append window), as when Periods are cut from one encode mid-segment
    period_start_s: float | None = None
    period_end_s: float | None = None

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True, kw_only=True)
class Rendition:
    """One encoding of a track: a ladder rung, an audio bitrate, a subtitle file.

    ``playlist_urls``: HLS media playlist URL(s) (redundant variants) this rendition was built
    from; empty for DASH. ``index``: a DASH SegmentBase ``indexRange`` still to be resolved into
    ``segments`` by reading its ``sidx`` (see :mod:`player.manifest.sidx`); None once resolved.
    """

    id: str
    bandwidth: int
    codecs: str | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    mime_type: str | None = None
    init: SegmentRef | None = None
    segments: tuple[SegmentRef, ...] = ()
    protection: Protection | None = None
    playlist_urls: tuple[str, ...] = ()
    index: SegmentRef | None = None
    group_id: str | None = None
    audio_group: str | None = None
    subtitle_group: str | None = None

    @property
    def duration_s(self) -> float:
        return sum(s.duration_s for s in self.segments)

    def segment_at(self, time_s: float) -> SegmentRef | None:
        """The segment that contains ``time_s`` (or the first one after a gap); None past the end."""
        if not self.segments:
            return None
        starts = [s.start_s for s in self.segments]
        i = bisect.bisect_right(starts, time_s) - 1
        if i < 0:
            return self.segments[0]
        seg = self.segments[i]
        if time_s < seg.end_s:
            return seg
        return self.segments[i + 1] if i + 1 < len(self.segments) else None

    def segment_index_at(self, time_s: float) -> int | None:
        """Position in ``segments`` of :meth:`segment_at`."""
        seg = self.segment_at(time_s)
        return None if seg is None else self.segments.index(seg)


@dataclass(frozen=True, kw_only=True)
class Track:
    """A media component the user perceives as one thing: the video, English audio, French subtitles."""

    kind: TrackKind
    language: str | None = None
    label: str | None = None
    renditions: tuple[Rendition, ...] = ()
    roles: tuple[str, ...] = ()
    default: bool = False  # HLS DEFAULT=YES, DASH Role "main": what plays when the viewer asks for nothing
    # carried in the video's own segments (HLS EXT-X-MEDIA without a URI, RFC 8216 §4.4.6.1): no renditions,
    # nothing to fetch beside the video; chosen, the video's audio plays
    muxed: bool = False

    def by_bandwidth(self) -> tuple[Rendition, ...]:
        """Renditions from the lowest to the highest bandwidth (the ABR ladder)."""
        return tuple(sorted(self.renditions, key=lambda r: (r.bandwidth, r.height or 0, r.id)))

    def rendition(self, rendition_id: str) -> Rendition:
        for r in self.renditions:
            if r.id == rendition_id:
                return r
        raise KeyError(rendition_id)


@dataclass(frozen=True, kw_only=True)
class Period:
    """A stretch of the timeline with one set of tracks (ISO/IEC 23009-1 §5.3.2; HLS has one)."""

    id: str
    start_s: float
    duration_s: float | None
    tracks: tuple[Track, ...] = ()

    def tracks_of(self, kind: TrackKind) -> tuple[Track, ...]:
        return tuple(t for t in self.tracks if t.kind == kind)


@dataclass(frozen=True, kw_only=True)
class Thumbnails:
    """A trick-play image track: sprite sheets of ``cols``×``rows`` tiles, one tile per
    ``tile_duration_s`` from each sheet's start (DASH-IF IOP §6.2.6 thumbnail tiles, HLS
    ``#EXT-X-TILES``). ``sheets`` are addressed like media segments (``urls`` are alternatives);
    the last sheet may be cut short by the end of the title, its tiles keep the same pace."""

    cols: int
    rows: int
    tile_width: int
    tile_height: int
    tile_duration_s: float
    sheets: tuple[SegmentRef, ...]


@dataclass(frozen=True, kw_only=True)
class Presentation:
    """A whole title as one manifest (or several per-edge manifests merged) describes it."""

    periods: tuple[Period, ...]
    is_live: bool
    duration_s: float | None
    source_url: str
    source_urls: tuple[str, ...] = field(default=())
    thumbnails: Thumbnails | None = None  # the seek-bar image track, when the manifest lists one
    unavailable: tuple[str, ...] = ()  # renditions the manifest lists but no CDN served, one phrase each

    def tracks_of(self, kind: TrackKind, period: int = 0) -> tuple[Track, ...]:
        if not self.periods:
            return ()
        return self.periods[period].tracks_of(kind)

    def video_track(self, period: int = 0) -> Track | None:
        """The first video track of a period (there is one in nearly every title)."""
        tracks = self.tracks_of("video", period)
        return tracks[0] if tracks else None

    def audio_tracks(self, period: int = 0) -> tuple[Track, ...]:
        """The audio tracks fetched apart from the video (a muxed one is in :meth:`audio_choices`)."""
        return tuple(t for t in self.tracks_of("audio", period) if not t.muxed)

    def audio_choices(self, period: int = 0) -> tuple[Track, ...]:
        """Every audio track a viewer may choose: those fetched apart and those the video carries (``muxed``)."""
        return self.tracks_of("audio", period)

    def text_tracks(self, period: int = 0) -> tuple[Track, ...]:
        return self.tracks_of("text", period)

    def renditions(self) -> tuple[Rendition, ...]:
        """Every rendition of every period and track, in document order."""
        return tuple(r for p in self.periods for t in p.tracks for r in t.renditions)

    def segments(self) -> tuple[SegmentRef, ...]:
        """Every init and media segment of every rendition (for sanity checks and downloads)."""
        out: list[SegmentRef] = []
        for r in self.renditions():
            if r.init is not None:
                out.append(r.init)
            out.extend(r.segments)
        return tuple(out)

    def default_kids(self) -> tuple[bytes, ...]:
        """The distinct KIDs a licence request needs, in first-seen order."""
        kids: list[bytes] = []
        for r in self.renditions():
            for prot in (r.protection, *(s.protection for s in r.segments)):
                if prot is not None and prot.default_kid and prot.default_kid not in kids:
                    kids.append(prot.default_kid)
        return tuple(kids)


def with_segments(rendition: Rendition, segments: tuple[SegmentRef, ...]) -> Rendition:
    """A copy of ``rendition`` with its segment index filled in (``index`` cleared)."""
    return replace(rendition, segments=segments, index=None)

"""Text tracks → one WebVTT document for libmpv: segmented WebVTT merged, TTML (``stpp`` in fMP4, or a
whole TTML file) converted (:mod:`player.ttml`, FFmpeg has no TTML decoder), WebVTT in fMP4 (``wvtt``)
read from its samples (:mod:`player.wvtt`).

W3C WebVTT §4: a file is the ``WEBVTT`` header block, then cue blocks separated by blank lines.
Segmented delivery (DASH ``text/vtt`` SegmentTemplate, HLS subtitle playlists) repeats the header in
every segment and may repeat a cue that spans a boundary; the merge keeps the first header, drops the
later ones and keeps each distinct cue once, in order. libmpv then shows it as one subtitle track.
Cue times are presentation times, unless a segment's header carries an HLS ``X-TIMESTAMP-MAP`` (RFC 8216
§3.5): its cues are then moved onto the media's clock (:mod:`player.vtt_timestamp_map`). The map is the
segment's own, and after an ``EXT-X-DISCONTINUITY`` the media's clock may restart (RFC 8216 §4.3.2.3), so each
segment is placed by the origin of its discontinuity's media clock: the main track's first segment of that
timeline, as the feed places it (:func:`media_origin`).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from player.feed.isobmff import mdat_samples, sample_entry_types
from player.feed.media_input import read_segment
from player.feed.segment_reader import TS_CLOCK
from player.feed.timeline import Timeline
from player.manifest import Presentation, Rendition, SegmentRef
from player.source import SegmentSource
from player.ttml import Cue, SubtitleFormatError, clipped, merge_cues, moved, parse_ttml, webvtt
from player.vtt_timestamp_map import TimestampMap, apply_timestamp_map, shift_cues, timestamp_map
from player.wvtt import wvtt_cues


def _blocks(text: str) -> list[str]:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return [block.strip("\n") for block in normalised.split("\n\n") if block.strip()]


def merge_webvtt(parts: list[str]) -> str:
    """One WebVTT document from segment files; :class:`SubtitleFormatError` when the first part is not WebVTT."""
    if not parts:
        return "WEBVTT\n"
    first = _blocks(parts[0])
    if not first or not first[0].startswith("WEBVTT"):
        raise SubtitleFormatError("not a WebVTT document (no WEBVTT header)")
    header, cues, seen = first[0], [], set()
    for part in parts:
        for block in _blocks(part):
            if block.startswith("WEBVTT") or "-->" not in block:
                continue  # a repeated header, or a NOTE/STYLE/REGION block from a later segment
            if block not in seen:
                seen.add(block)
                cues.append(block)
    return "\n\n".join([header, *cues]) + "\n"


def text_codec(rendition: Rendition, init: bytes = b"") -> str:
    """``ttml`` (``stpp`` samples or a TTML file), ``wvtt`` (WebVTT in fMP4 samples) or ``webvtt`` (text): what the
    track carries — by its codecs, else by its init segment's sample entry (an HLS subtitle playlist with an
    EXT-X-MAP declares no codec)."""
    codecs = (rendition.codecs or "").lower() or next(iter(sample_entry_types(init)), "")
    if codecs.startswith("wvtt"):
        return "wvtt"
    return "ttml" if codecs.startswith("stpp") or "ttml" in (rendition.mime_type or "") else "webvtt"


@dataclass(frozen=True)
class LoadedText:
    """A text track as handed to libmpv: its cues as one WebVTT document, and the codec it came in — decided once,
    at load, from the manifest or else the init segment, so the report names what was read (``wvtt``, not the
    ``webvtt`` an HLS subtitle playlist without CODECS would suggest)."""

    codec: str
    webvtt: str


class TextLoader:
    """A text rendition's segments → one WebVTT document, added to as they come (a live track grows).

    ``origin(timeline)``: the media's 90 kHz timestamp at presentation time 0 on that timeline (discontinuity
    sequence), asked once per timeline with a mapped segment; when it cannot say, the timeline's first map's
    ``LOCAL`` is taken as that map's cue time. A track joined from several DASH Periods has each Period's own init
    segment, and each Period's cues count from its start (less its ``presentationTimeOffset``: the segment's
    ``media_offset_s``; a whole file listed by BaseURL alone: the Period's start), as Shaka Player and dash.js place
    them, and show only inside that Period, as their append window cuts them; ``wvtt`` samples are placed by their
    segment's start. DASH WebVTT is not mapped by an ``X-TIMESTAMP-MAP`` (that is HLS's; Shaka ignores it there).
    """

    def __init__(self, rendition: Rendition, source: SegmentSource,
                 origin: Callable[[int], Awaitable[int | None]] | None = None) -> None:
        self.rendition, self.source, self.origin = rendition, source, origin
        self.codec: str | None = None  # decided by the first segment's init (or the manifest), once
        self._inits: dict[tuple[str, ...], bytes] = {}
        self._origins: dict[int, int] = {}
        self._done: dict[tuple[int, int], float] = {}  # (timeline, number) of the segments read: their end
        self._floor_s = float("-inf")  # segments ending before it were let go (``forget_before``): never read again
        self._parts: list[tuple[float, str]] = []  # WebVTT segments on the presentation timeline, with their end
        self._cues: list[Cue] = []  # TTML and wvtt cues

    async def add(self, segments: Iterable[SegmentRef]) -> bool:
        """Fetch and read the segments not read yet; True when there were any. A segment that is not what its track
        says is not read again (:class:`SubtitleFormatError` after it is marked read). An EXT-X-GAP is a stretch without
        cues: nothing is fetched."""
        fresh = [ref for ref in segments
                 if (ref.timeline, ref.number) not in self._done and ref.end_s >= self._floor_s and not ref.gap]
        for ref in fresh:
            init = await self._init(ref)
            body = (await self.source.fetch(self.rendition, ref, kind="text")).body
            if self.codec is None:
                self.codec = text_codec(self.rendition, init)
            self._done[ref.timeline, ref.number] = ref.end_s
            await self._read(ref, init, body)
        return bool(fresh)

    @property
    def read_until_s(self) -> float | None:
        """Where the segments read end (None before the first)."""
        return max(self._done.values(), default=None)

    def forget_before(self, time_s: float) -> None:
        """Let go of the segments and cues that end before ``time_s`` (a live window moved on), for good."""
        self._floor_s = max(self._floor_s, time_s)
        self._done = {key: end for key, end in self._done.items() if end >= time_s}
        self._parts = [(end, part) for end, part in self._parts if end >= time_s]
        self._cues = [cue for cue in self._cues if cue.end_s >= time_s]

    def loaded(self) -> LoadedText:
        """The cues read so far as one WebVTT document."""
        codec = self.codec or text_codec(self.rendition)
        text = merge_webvtt([part for _, part in self._parts]) if codec == "webvtt" else webvtt(merge_cues(self._cues))
        return LoadedText(codec=codec, webvtt=text)

    async def _init(self, ref: SegmentRef) -> bytes:
        init_ref = ref.init or self.rendition.init
        if init_ref is None:
            return b""
        if init_ref.urls not in self._inits:
            self._inits[init_ref.urls] = (await self.source.fetch(self.rendition, init_ref, kind="text", is_init=True)).body
        return self._inits[init_ref.urls]

    async def _read(self, ref: SegmentRef, init: bytes, body: bytes) -> None:
        lower, upper = ref.period_start_s or 0.0, ref.period_end_s
        if self.codec in ("wvtt", "ttml"):
            if self.codec == "wvtt":
                cues = wvtt_cues(init, [(ref.start_s, body)])
            else:
                in_mp4 = bool(init) or (self.rendition.mime_type or "").startswith(("application/mp4", "video/mp4")) \
                    or bool(self.rendition.codecs)
                cues = [moved(cue, _period_offset(ref))
                        for doc in (mdat_samples(body) if in_mp4 else [body]) for cue in parse_ttml(doc)]
            self._cues += [cut for cue in cues if (cut := clipped(cue, lower, upper)) is not None]
            return
        part = body.decode("utf-8", errors="replace")
        dash = ref.media_offset_s is not None or ref.period_start_s is not None
        placed = shift_cues(part, _period_offset(ref), lower, upper) if dash else await self._placed(part, ref.timeline)
        self._parts.append((ref.end_s, placed))

    async def _placed(self, part: str, timeline: int) -> str:
        """A WebVTT segment's cues moved by its own ``X-TIMESTAMP-MAP`` against its timeline's media origin."""
        found = timestamp_map(part)
        if found is None:
            return part
        if timeline not in self._origins:
            known = await self.origin(timeline) if self.origin is not None else None
            self._origins[timeline] = known if known is not None else _origin_of(found)
        return apply_timestamp_map(part, self._origins[timeline])


def _period_offset(ref: SegmentRef) -> float:
    """Presentation minus media time for a DASH text segment: its ``media_offset_s``, else its Period's start."""
    return ref.media_offset_s if ref.media_offset_s is not None else (ref.period_start_s or 0.0)


def _origin_of(first: TimestampMap) -> int:
    """The origin under which the first map's ``LOCAL`` is presentation time 0 (no media timestamp to go by)."""
    return first.mpegts - round(first.local_s * TS_CLOCK)


async def media_origin(presentation: Presentation, source: SegmentSource, timeline: int = 0) -> int | None:
    """The media's 90 kHz timestamp at presentation time 0 on ``timeline``, as :class:`player.feed.timeline.Timeline`
    places the media: read from the main track's first segment of that timeline (fMP4 whose ``tfdt`` already is the
    presentation time: 0; fMP4 on a clock of its own — a VOD cut from live — and MPEG-TS: its earliest timestamp less
    the segment's start). None when that segment is protected (its timestamps are not in the clear) or there is none.
    Costs one segment fetch per timeline, only for a mapped WebVTT track."""
    track = presentation.video_track() or next(iter(presentation.audio_tracks()), None)
    rendition = track.by_bandwidth()[0] if track is not None and track.renditions else None
    ref = next((s for s in rendition.segments if s.timeline == timeline and not s.gap), None) if rendition else None
    if track is None or rendition is None or ref is None or ref.protection is not None:
        return None
    init_ref = ref.init or rendition.init
    init = (await source.fetch(rendition, init_ref, kind=track.kind, is_init=True)).body if init_ref is not None else b""
    body = (await source.fetch(rendition, ref, kind=track.kind)).body
    parts = read_segment(track.kind, init, body, with_audio=True)
    if not any(part.samples for part in parts):
        return None
    return -Timeline().shift(parts, start_s=ref.start_s, timeline=timeline)

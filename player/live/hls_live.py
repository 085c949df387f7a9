"""The live facts of an HLS media playlist (RFC 8216bis-17 §4.4.3.8 server control, §4.4.4.9 parts,
§4.4.5.3 preload hint, §4.4.4.6 program date-time) that the VOD model has no place for.

Read beside :mod:`player.manifest.hls_playlist` (which builds the segment index and stays the format
engineer's), from the same text: a small pass over the tags, no I/O. Times are playlist seconds from
the first listed segment; ``pdt_at(t)`` maps them onto the server's wall clock.
"""
from __future__ import annotations

from dataclasses import dataclass

from player.errors import ManifestError
from player.manifest.hls_playlist import decode, parse_attributes, split_lines

from .clock_sync import ClockSyncError, parse_iso


@dataclass(frozen=True, kw_only=True)
class LivePart:
    msn: int
    index: int
    start_s: float
    duration_s: float
    uri: str
    independent: bool


@dataclass(frozen=True, kw_only=True)
class HlsLiveInfo:
    """What a live client needs from one media playlist."""

    target_s: float
    media_sequence: int
    segment_count: int  # complete segments listed
    end_s: float  # end of the last complete segment (playlist seconds)
    live: bool  # no EXT-X-ENDLIST
    can_block_reload: bool
    hold_back_s: float  # HOLD-BACK, else 3 × target (§6.3.3)
    part_hold_back_s: float | None  # PART-HOLD-BACK when the playlist has parts
    part_target_s: float | None
    parts: tuple[LivePart, ...]  # of the last segments, and of the one being written
    preload_hint: str | None
    pdt_anchor: tuple[float, float] | None  # (playlist seconds, epoch seconds) of the last PDT

    @property
    def next_msn(self) -> int:
        """Media sequence number of the segment after the last complete one."""
        return self.media_sequence + self.segment_count

    @property
    def edge_s(self) -> float:
        """The live edge: the end of the newest part if any, else of the newest segment."""
        if self.parts:
            last = self.parts[-1]
            return max(self.end_s, last.start_s + last.duration_s)
        return self.end_s

    def pdt_at(self, t: float) -> float | None:
        """Epoch seconds of playlist time ``t``, when the playlist has a program date-time."""
        if self.pdt_anchor is None:
            return None
        return self.pdt_anchor[1] + (t - self.pdt_anchor[0])

    def next_part(self) -> tuple[int, int]:
        """(msn, part) a blocking reload should ask for: the part after the newest one listed."""
        if not self.parts:
            return self.next_msn, 0
        last = self.parts[-1]
        if last.msn < self.next_msn:  # the newest part closed a complete segment
            return self.next_msn, 0
        return last.msn, last.index + 1


    def hint_part(self) -> tuple[int, int]:
        """(msn, part) the ``EXT-X-PRELOAD-HINT`` stands for: the part after the newest one — or, when the
        segment being written already holds a target duration of parts (less a quarter part), the first
        part of the next segment (the server lists a segment complete only once the next one begins)."""
        msn, index = self.next_part()
        if index and self.part_target_s is not None:
            written = sum(p.duration_s for p in self.parts if p.msn == msn)
            if written >= self.target_s - self.part_target_s / 4:
                return msn + 1, 0
        return msn, index


def parse_live(data: str | bytes, url: str) -> HlsLiveInfo:
    """Read the live tags of a media playlist; raises ManifestError on bad values."""
    lines = split_lines(decode(data, url), url)
    target = None
    sequence = 0
    count = 0
    t = 0.0
    duration: float | None = None
    control: dict[str, str] = {}
    part_target = None
    parts: list[LivePart] = []
    hint = None
    anchor: tuple[float, float] | None = None
    live = True
    part_start = 0.0
    for n, line in lines:
        name, _, value = line.partition(":")
        if name == "#EXT-X-TARGETDURATION":
            target = _number(value, url, n)
        elif name == "#EXT-X-MEDIA-SEQUENCE":
            sequence = int(_number(value, url, n))
        elif name == "#EXTINF":
            duration = _number(value.split(",", 1)[0], url, n)
        elif name == "#EXT-X-ENDLIST":
            live = False
        elif name == "#EXT-X-SERVER-CONTROL":
            control = parse_attributes(value, url=url, line=n)
        elif name == "#EXT-X-PART-INF":
            part_target = _number(parse_attributes(value, url=url, line=n).get("PART-TARGET", ""), url, n)
        elif name == "#EXT-X-PROGRAM-DATE-TIME":  # the newest one: exact after a discontinuity
            try:
                anchor = (t, parse_iso(value))
            except ClockSyncError as exc:
                raise ManifestError(str(exc), source=url, line=n) from None
        elif name == "#EXT-X-PART":
            attrs = parse_attributes(value, url=url, line=n)
            msn = sequence + count
            index = sum(1 for p in parts if p.msn == msn)
            if index == 0:
                part_start = t
            d = _number(attrs.get("DURATION", ""), url, n)
            parts.append(LivePart(msn=msn, index=index, start_s=part_start, duration_s=d, uri=attrs.get("URI", ""),
                                  independent=attrs.get("INDEPENDENT") == "YES"))
            part_start += d
        elif name == "#EXT-X-PRELOAD-HINT":
            attrs = parse_attributes(value, url=url, line=n)
            hint = attrs.get("URI") if attrs.get("TYPE") == "PART" else hint
        elif not line.startswith("#"):
            if duration is None:
                raise ManifestError("segment URI without EXTINF", source=url, line=n)
            t += duration
            count += 1
            duration = None
    if target is None:
        raise ManifestError("media playlist without EXT-X-TARGETDURATION", source=url)
    hold = control.get("HOLD-BACK")
    part_hold = control.get("PART-HOLD-BACK")
    return HlsLiveInfo(
        target_s=target, media_sequence=sequence, segment_count=count, end_s=t, live=live,
        can_block_reload=control.get("CAN-BLOCK-RELOAD") == "YES",
        hold_back_s=_number(hold, url, 0) if hold else 3 * target,
        part_hold_back_s=(_number(part_hold, url, 0) if part_hold else 3 * part_target) if part_target else None,
        part_target_s=part_target, parts=tuple(parts), preload_hint=hint, pdt_anchor=anchor,
    )


def _number(text: str, url: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ManifestError(f"not a number: {text[:20]!r}", source=url, line=line or None) from None
    if value < 0 or value != value:
        raise ManifestError(f"negative or NaN value {text[:20]!r}", source=url, line=line or None)
    return value

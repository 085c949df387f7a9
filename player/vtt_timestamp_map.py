"""HLS WebVTT ``X-TIMESTAMP-MAP`` (RFC 8216 §3.5) applied to a segment's cues, pure: no I/O.

Why: a segmented WebVTT subtitle playlist beside MPEG-TS media says in each segment's header which cue time
(``LOCAL``) sits at which 90 kHz media timestamp (``MPEGTS``). Packagers that number cues on their own clock
(a live encoder's, a subtitle segmenter's) rely on it; read as plain times, every cue lands shifted. A cue's
presentation time is ``cue − LOCAL + (MPEGTS − origin) / 90000``, where ``origin`` is the media timestamp at
presentation time 0 — the offset :mod:`player.feed.timeline` gives the media (the same rule as hls.js's
``webvtt-parser.ts``: ``MPEGTS`` less the stream's initial PTS). The 33-bit MPEG-2 clock may wrap between
the two; the nearer reading is taken. A segment without a map is left as it is.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from player.ttml import SubtitleFormatError

TS_CLOCK = 90_000
_WRAP = 1 << 33
_MAP = re.compile(r"^X-TIMESTAMP-MAP=(.*)$", re.MULTILINE)
_TIME = re.compile(r"^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$")
_TIMING = re.compile(r"^(\S+)[ \t]+-->[ \t]+(\S+)(.*)$")


class TimestampMap(NamedTuple):
    local_s: float  # the cue time ...
    mpegts: int  # ... that sits at this 90 kHz media timestamp


def cue_time(text: str) -> float:
    """A WebVTT timestamp (``[hh:]mm:ss.ttt``, W3C WebVTT §4.2) in seconds."""
    m = _TIME.match(text.strip())
    if m is None:
        raise SubtitleFormatError(f"not a WebVTT timestamp: {text[:40]!r}")
    hours, minutes, seconds, millis = (int(g) if g else 0 for g in m.groups())
    if minutes > 59 or seconds > 59:
        raise SubtitleFormatError(f"not a WebVTT timestamp: {text[:40]!r}")
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def _stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


def timestamp_map(segment: str) -> TimestampMap | None:
    """The header's ``X-TIMESTAMP-MAP`` (its two fields in either order), None without one; a malformed map is a
    :class:`SubtitleFormatError`."""
    header = segment.replace("\r\n", "\n").split("\n\n", 1)[0]
    m = _MAP.search(header)
    if m is None:
        return None
    fields = dict(part.partition(":")[::2] for part in m.group(1).strip().split(","))
    try:
        return TimestampMap(local_s=cue_time(fields["LOCAL"]), mpegts=int(fields["MPEGTS"]))
    except (KeyError, ValueError):
        raise SubtitleFormatError(f"malformed X-TIMESTAMP-MAP: {m.group(1)[:60]!r}") from None


def map_offset_s(found: TimestampMap, origin: int) -> float:
    """Seconds to add to the segment's cue times: ``(MPEGTS − origin) / 90000 − LOCAL``, across a clock wrap."""
    ticks = (found.mpegts - origin) % _WRAP
    if ticks >= _WRAP // 2:
        ticks -= _WRAP
    return ticks / TS_CLOCK - found.local_s


def apply_timestamp_map(segment: str, origin: int) -> str:
    """``segment`` with its cues on the presentation timeline and the map line gone; unchanged without a map."""
    found = timestamp_map(segment)
    if found is None:
        return segment
    return shift_cues(_MAP.sub("", segment.replace("\r\n", "\n")), map_offset_s(found, origin))


def shift_cues(segment: str, shift: float, lower: float = 0.0, upper: float | None = None) -> str:
    """``segment`` with every cue ``shift`` seconds later (earlier when negative), cut to ``[lower, upper)`` (0 and
    open by default; a DASH Period's window): a cue that would start before ``lower`` starts there, one that would
    end by then, or start at ``upper`` or after, is dropped."""
    blocks = segment.replace("\r\n", "\n").split("\n\n")
    kept = []
    for block in blocks:
        lines = block.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            kept.append("\n".join(line for line in lines if line))
            continue
        m = _TIMING.match(lines[timing])
        if m is None:
            raise SubtitleFormatError(f"not a WebVTT cue timing line: {lines[timing][:60]!r}")
        start, end = max(cue_time(m.group(1)) + shift, lower), cue_time(m.group(2)) + shift
        if upper is not None:
            end = min(end, upper)
        if end <= start:
            continue
        lines[timing] = f"{_stamp(start)} --> {_stamp(end)}{m.group(3)}"
        kept.append("\n".join(lines))
    return "\n\n".join(kept) + "\n"

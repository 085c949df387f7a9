"""Putting every segment's samples on the presentation timeline the manifest describes.

Why: libmpv shows ``time-pos`` from the stream's timestamps, and the scheduler counts its buffer
on the manifest's timeline. They agree for CMAF (``tfdt`` is the presentation time), but not for:
- MPEG-TS and packed audio, whose 90 kHz clock starts wherever the encoder's did (ffmpeg: 1.4 s);
- an HLS ``EXT-X-DISCONTINUITY`` (RFC 8216 §4.3.2.3), after which timestamps restart;
- a later DASH Period (ISO/IEC 23009-1 §5.3.2), whose media time starts again (at its
  ``presentationTimeOffset``).
Each timeline (discontinuity sequence or period) gets one offset, fixed at the first segment seen
of it — manifest start minus the segment's earliest timestamp — and kept for its later segments, so
timestamps within a timeline stay exactly as encoded (no per-segment rounding from EXTINF). The
33-bit MPEG-2 clock wrap is undone the same way. CMAF on the first timeline is left untouched when
its timestamps already are the manifest's times (within ``CMAF_SLACK_S``).
"""
from __future__ import annotations

from collections.abc import Sequence

from .segment_reader import TS_CLOCK, DemuxedSegment

_WRAP = 1 << 33
#: how far CMAF's first timestamp may sit from the manifest's start and still be left exactly as encoded
#: (B-frame composition delay, AAC priming, rounding of the manifest's times)
CMAF_SLACK_S = 1.0


class Timeline:
    """Offsets (90 kHz) per timeline id, fixed by the first segment of each."""

    def __init__(self) -> None:
        self._offsets: dict[int, int] = {}

    def shift(self, parts: Sequence[DemuxedSegment], *, start_s: float | None, timeline: int) -> int:
        """The offset to add to ``parts``' timestamps (0 when the caller gives no ``start_s``)."""
        firsts = [min(s.pts for s in p.samples[:16]) for p in parts if p.samples]
        if start_s is None or not firsts:
            return 0
        first = min(firsts)
        expected = round(start_s * TS_CLOCK)
        offset = self._offsets.get(timeline)
        if offset is None:
            # CMAF's tfdt is the presentation time, unless the MPD shifts it (presentationTimeOffset, or a
            # first segment time past the Period that stands for one): then it is moved like the rest, or
            # libmpv's positions would be media time and a play that ends short would pass as complete
            on_time = abs(first - expected) <= CMAF_SLACK_S * TS_CLOCK
            in_band = any(p.in_band for p in parts)
            offset = 0 if (timeline == 0 and not in_band and on_time) else expected - first
            self._offsets[timeline] = offset
        if first + offset < expected - _WRAP // 2:  # the 33-bit clock wrapped inside this timeline
            return offset + _WRAP
        return offset

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

Where the manifest itself says how media time maps to presentation time (DASH: each Representation's
``presentationTimeOffset``, ISO/IEC 23009-1 §5.3.9.2), segments whose mapping differs from the one
that fixed the offset are moved by exactly the difference: audio packaged at media time 0 beside
video at 10 s, or a rung encoded with another clock, play in step. One offset for all (the first
segment's) put such video 10 s after its audio, and a play that showed no picture reported complete.
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
        # timeline id -> (offset, the manifest's media offset of the segment that fixed it)
        self._offsets: dict[int, tuple[int, float | None]] = {}

    def shift(self, parts: Sequence[DemuxedSegment], *, start_s: float | None, timeline: int,
              media_offset_s: float | None = None) -> int:
        """The offset to add to ``parts``' timestamps (0 when the caller gives no ``start_s``);
        ``media_offset_s``: presentation minus media time where the manifest gives it."""
        firsts = [min(s.pts for s in p.samples[:16]) for p in parts if p.samples]
        if start_s is None or not firsts:
            return 0
        first = min(firsts)
        expected = round(start_s * TS_CLOCK)
        fixed = self._offsets.get(timeline)
        if fixed is None:
            # CMAF's tfdt is the presentation time, unless the MPD shifts it (presentationTimeOffset, or a
            # first segment time past the Period that stands for one): then it is moved like the rest, or
            # libmpv's positions would be media time and a play that ends short would pass as complete
            on_time = abs(first - expected) <= CMAF_SLACK_S * TS_CLOCK
            in_band = any(p.in_band for p in parts)
            fixed = (0 if (timeline == 0 and not in_band and on_time) else expected - first, media_offset_s)
            self._offsets[timeline] = fixed
        offset, fixed_by = fixed
        if media_offset_s is not None and fixed_by is not None:
            offset += round((media_offset_s - fixed_by) * TS_CLOCK)
        if first + offset < expected - _WRAP // 2:  # the 33-bit clock wrapped inside this timeline
            return offset + _WRAP
        return offset

"""The segments of one live rendition seen so far, on one stable timeline across reloads.

A sliding-window HLS playlist restarts its times at its first listed segment on every reload, and old
segments leave it; the scheduler needs indexes and start times that never move. Segments are kept by
number (HLS media sequence, DASH ``$Number$``): a new one starts where its predecessor ended, so the
timeline is the first listed segment's time plus the durations since. Program date-times tie this
timeline to the server's clock (``epoch_at``).

Discontinuity sequence numbers (``SegmentRef.timeline``) are carried the same way: a packager that
writes no EXT-X-DISCONTINUITY-SEQUENCE (ffmpeg's ``append_list`` after an encoder restart) numbers the
segments after the restart 0 again once the EXT-X-DISCONTINUITY tag has slid out of the window, so a
reload's numbers are moved onto ours through a segment both have (hls.js ``mergeDetails``' ccOffset).
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

from player.manifest import SegmentRef


class LiveIndex:
    """Segments in number order, each keeping its start for the whole session; the oldest are let go
    (:meth:`let_go_before`) once far behind the DVR window, so positions are counted from the first kept."""

    def __init__(self) -> None:
        self.segments: list[SegmentRef] = []
        self._epoch_offset: float | None = None  # server epoch minus timeline seconds
        self.provisional: int | None = None  # number of an announced segment still being written
        self._timeline_shift = 0  # our discontinuity sequence minus the latest reload's

    @property
    def newest(self) -> int | None:
        return self.segments[-1].number if self.segments else None

    def merge(self, refs: Sequence[SegmentRef], *, rebase: bool = True) -> int:
        """Add the segments not seen yet (by number); returns how many were added.

        ``rebase``: place each one at its predecessor's end (HLS, whose playlist times are relative);
        without it the refs' own ``start_s`` is kept (DASH, whose times are the presentation's).
        """
        added = 0
        self._timeline_shift = self._shift_of(refs)
        for ref in refs:
            ref = replace(ref, timeline=ref.timeline + self._timeline_shift) if self._timeline_shift else ref
            last = self.segments[-1] if self.segments else None
            if last is not None and ref.number == self.provisional == last.number:  # written now: its true length
                self.segments[-1] = replace(ref, start_s=last.start_s) if rebase else ref
                self.provisional = None
                continue
            if last is not None and ref.number <= last.number:
                continue
            if rebase and last is not None:
                missing = ref.number - last.number - 1  # fell out of the window between reloads
                ref = replace(ref, start_s=last.end_s + missing * ref.duration_s)
            self.segments.append(ref)
            self.provisional = None  # an announced segment overtaken keeps its nominal length
            added += 1
        return added

    def _shift_of(self, refs: Sequence[SegmentRef]) -> int:
        """How far this reload's discontinuity sequence trails ours: read off the newest segment both list
        (the last reload's shift when they share none — a reload that missed the whole window)."""
        for ref in reversed(refs):
            mine = self.by_number(ref.number)
            if mine is not None and mine.number != self.provisional:
                return mine.timeline - ref.timeline
        return self._timeline_shift

    def announce(self, number: int, duration_s: float) -> bool:
        """List segment ``number``, which is being written (LL-HLS parts), after the newest one, with a
        nominal duration until :meth:`merge` brings the real one; True when it was new."""
        last = self.segments[-1] if self.segments else None
        if last is None or number != last.number + 1 or self.provisional is not None:
            return False
        self.segments.append(replace(last, number=number, start_s=last.end_s, duration_s=duration_s,
                                     discontinuity=False, gap=False))
        self.provisional = number
        return True

    @property
    def complete(self) -> list[SegmentRef]:
        """The segments whose whole length is known (the announced one left out)."""
        if self.provisional is not None and self.segments and self.segments[-1].number == self.provisional:
            return self.segments[:-1]
        return self.segments

    def let_go_before(self, floor_s: float) -> int:
        """Forget the segments ending at or before ``floor_s`` (never the newest: reloads are merged after it, and
        another rendition is aligned through it); returns how many went. Positions in :attr:`segments` move down by that."""
        ends = [s.end_s for s in self.segments[:-1]]
        gone = bisect.bisect_right(ends, floor_s + 1e-6)
        if gone:
            del self.segments[:gone]
        return gone

    def timeline_s(self, playlist_time_s: float, refs: Sequence[SegmentRef]) -> float | None:
        """Our time for ``playlist_time_s`` of a reload whose segments are ``refs`` (matched by number).

        Measured from the reload's segment that holds that time, so a gap in numbering before it
        (segments an encoder restart never made) is counted as our timeline counts it.
        """
        holder = None
        for ref in refs:
            if ref.start_s <= playlist_time_s + 1e-6:
                holder = ref
        mine = self.by_number(holder.number) if holder is not None else None
        return None if mine is None or holder is None else mine.start_s + (playlist_time_s - holder.start_s)

    def shift(self, delta_s: float) -> None:
        """Move every segment (and the clock anchor) by ``delta_s``: aligning to another rendition."""
        self.segments = [replace(s, start_s=s.start_s + delta_s) for s in self.segments]
        if self._epoch_offset is not None:
            self._epoch_offset -= delta_s

    def anchor(self, timeline_s: float, epoch_s: float) -> None:
        """Tie the timeline to the server clock: ``timeline_s`` was shown at ``epoch_s`` (a PDT)."""
        self._epoch_offset = epoch_s - timeline_s

    def epoch_at(self, timeline_s: float) -> float | None:
        """Server epoch of media at ``timeline_s`` (its program date-time), when known."""
        return None if self._epoch_offset is None else self._epoch_offset + timeline_s

    def by_number(self, number: int) -> SegmentRef | None:
        numbers = [s.number for s in self.segments]
        i = bisect.bisect_left(numbers, number)
        return self.segments[i] if i < len(numbers) and numbers[i] == number else None

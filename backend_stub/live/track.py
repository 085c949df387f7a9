"""One rendition of a live channel on disk: fragments in, CMAF parts and segments out, old ones deleted.

Each ffmpeg fragment (~0.5 s) becomes an LL-HLS part file ``<stem>/<n>.<p>.m4s`` and is appended to the
segment being written, ``<stem>/<n>.m4s.tmp``, renamed to ``<stem>/<n>.m4s`` when the next segment
starts. The growing ``.tmp`` is what an edge streams with chunked transfer encoding to an LL-DASH
client that asks for a segment before it is complete. Segment numbers come from media time
(``n = round(start / segment_s)``), so the same number means the same time slot in every rendition, in
the HLS media sequence and in the DASH ``$Number$`` template, across encoder restarts too.

``position`` is what blocking playlist reload waits on (RFC 8216bis §6.2.5.2): read by edge threads,
replaced (never mutated) by the writer thread.
"""
from __future__ import annotations

import os
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .boxes import Fragment, InitInfo
from .settings import LiveSettings

COMPLETE = 1 << 30  # a part index larger than any: "the whole segment"


@dataclass(frozen=True, kw_only=True)
class Part:
    duration: float
    independent: bool


@dataclass(kw_only=True)
class Segment:
    """A segment in the window; ``parts`` grows while it is written."""

    number: int
    start: float  # media seconds since the channel's epoch
    parts: list[Part] = field(default_factory=list)
    complete: bool = False
    discontinuity: bool = False
    gap_s: float = 0.0  # a slot no encoder filled (a restart): listed as EXT-X-GAP, never written

    @property
    def duration(self) -> float:
        return sum(p.duration for p in self.parts) + self.gap_s


def boundary(settings: LiveSettings, number: int) -> float:
    """Media time from which a fragment starts segment ``number + 1`` (a quarter part of slack for AAC)."""
    return (number + 1) * settings.segment_s - settings.part_s / 4


def next_part(segment: Segment, settings: LiveSettings) -> tuple[int, int]:
    """(msn, part) of the part after the last of ``segment``: the preload hint's target."""
    if segment.complete or segment.start + segment.duration >= boundary(settings, segment.number):
        return segment.number + 1, 0
    return segment.number, len(segment.parts)


def part_path(stem: str, number: int, index: int) -> str:
    return f"{stem}/{number}.{index}.m4s"


def segment_path(stem: str, number: int) -> str:
    return f"{stem}/{number}.m4s"


class TrackWriter:
    """Writes one rendition under ``root`` and keeps the DVR window of segments it has published."""

    def __init__(self, root: Path, stem: str, settings: LiveSettings, *, video: bool) -> None:
        self.root = root
        self.stem = stem
        self.settings = settings
        self.video = video
        self.init: InitInfo | None = None
        self.segments: deque[Segment] = deque()
        self.position: tuple[int, int] = (-1, -1)  # (msn, part) of the newest part written
        self.published: tuple[int, int] = (-1, -1)  # ... and of the newest in the playlist on disk
        self.discontinuity_sequence = 0  # EXT-X-DISCONTINUITY-SEQUENCE: tags that left the window
        self._lock = threading.Lock()
        self._discontinuity = False
        (root / stem).mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------ input
    def on_init(self, info: InitInfo) -> None:
        """A (new) encoder's init segment; after a restart the next segment is a discontinuity."""
        if self.init is not None:
            self.finish()
            self._discontinuity = True
        self.init = info
        write_atomic(self.root / self.stem / "init.mp4", info.data)

    def on_fragment(self, fragment: Fragment) -> None:
        """Place one fragment: start a segment on a segment boundary, write the part, publish it."""
        assert self.init is not None, "fragment before init"
        scale = self.init.timescale
        start = fragment.start / scale
        current = self.segments[-1] if self.segments and not self.segments[-1].complete else None
        new = current is None or start >= boundary(self.settings, current.number)
        if new and (fragment.independent or current is None):
            if current is not None:
                self._complete(current)
            current = Segment(number=round(start / self.settings.segment_s), start=start,
                              discontinuity=self._discontinuity)
            self._discontinuity = False
            with self._lock:
                self._fill_gap(current)
                self.segments.append(current)
        assert current is not None
        index = len(current.parts)
        write_atomic(self.root / part_path(self.stem, current.number, index), fragment.data)
        with open(self._tmp(current.number), "ab") as f:
            f.write(fragment.data)
        current.parts.append(Part(duration=fragment.duration / scale, independent=fragment.independent))
        self.position = (current.number, index)
        self._prune()

    def _fill_gap(self, upcoming: Segment) -> None:
        """Numbers must stay consecutive (HLS media sequence, DASH timeline numbers): slots between the
        last segment and ``upcoming`` become gap segments, and the discontinuity moves to the first."""
        if not self.segments:
            return
        last = self.segments[-1]
        end = last.start + last.duration
        for number in range(last.number + 1, upcoming.number):
            slot_end = min(upcoming.start, (number + 1) * self.settings.segment_s)
            self.segments.append(Segment(number=number, start=end, complete=True, gap_s=slot_end - end,
                                         discontinuity=upcoming.discontinuity))
            upcoming.discontinuity = False
            end = slot_end

    def finish(self) -> None:
        """The encoder stopped: the segment being written ends where its data ends."""
        if self.segments and not self.segments[-1].complete:
            self._complete(self.segments[-1])

    # ------------------------------------------------------------------ views
    def window(self) -> list[Segment]:
        """Segments inside the DVR window, oldest first (a copy, safe to read from another thread)."""
        with self._lock:
            return list(self.segments)

    # ------------------------------------------------------------------ files
    def _tmp(self, number: int) -> Path:
        return self.root / (segment_path(self.stem, number) + ".tmp")

    def _complete(self, segment: Segment) -> None:
        os.replace(self._tmp(segment.number), self.root / segment_path(self.stem, segment.number))
        segment.complete = True
        self.position = (segment.number, COMPLETE)

    def _prune(self) -> None:
        """Drop segments older than the DVR window from the list, and their files a little later.

        Files outlive their playlist entry by a segment or two (RFC 8216 §6.2.2: a client that read the
        previous playlist may still ask for them); part files go once parts leave the playlist.
        """
        s = self.settings
        newest = self.segments[-1]
        with self._lock:
            while self.segments and self.segments[0].start + self.segments[0].duration < newest.start - s.dvr_s:
                self.segments.popleft()
                if self.segments and self.segments[0].discontinuity:
                    self.discontinuity_sequence += 1
        folder = self.root / self.stem
        keep_from = newest.number - round((s.dvr_s + 2 * s.segment_s) / s.segment_s)
        parts_from = newest.number - 4
        for name in os.listdir(folder):
            head = name.split(".", 1)[0]
            if not head.isdigit():
                continue
            number = int(head)
            is_part = name.count(".") == 2 and not name.endswith(".tmp")
            if number < keep_from or (is_part and number < parts_from):
                try:
                    os.unlink(folder / name)
                except FileNotFoundError:
                    pass


def write_atomic(path: Path, data: bytes) -> None:
    """Write then rename, so an edge never serves half a file."""
    tmp = path.with_name(path.name + ".w")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)

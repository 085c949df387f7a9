"""The report's ladder figures kept as running sums, so they count every segment of a play whose rows are let go.

A kiosk plays one live channel for weeks in one session; the report lists the newest segments only
(``QoeTracker.KEEP_SEGMENTS``), while the average bitrate and QoE_lin stay those of the whole play. The sums are
taken in the order segments were fetched, as ``abr.metrics.SessionResult`` takes its list.
"""
from __future__ import annotations

from dataclasses import dataclass

from player.qoe.events import SegmentRecord


@dataclass
class LadderSums:
    """Sums over the ladder track's segments (video; audio in an audio-only title)."""

    count: int = 0
    kbps: float = 0.0  # the segments' media bitrates, summed
    switch_kbps: float = 0.0  # the magnitude of each change from one segment's bitrate to the next
    kbps_s: float = 0.0  # bitrate times media duration
    duration_s: float = 0.0
    _last_kbps: float | None = None

    def add(self, record: SegmentRecord) -> None:
        kbps = record.media_kbps
        self.count += 1
        self.kbps += kbps
        self.switch_kbps += abs(kbps - self._last_kbps) if self._last_kbps is not None else 0.0
        self.kbps_s += kbps * record.duration_s
        self.duration_s += record.duration_s
        self._last_kbps = kbps

    @property
    def avg_kbps(self) -> float:
        """Weighted by media duration; a plain mean when no segment says how long it is."""
        if not self.count:
            return 0.0
        return self.kbps_s / self.duration_s if self.duration_s > 0 else self.kbps / self.count

"""Which media exists now, and where live playback starts (RFC 8216bis §6.3.3; ISO/IEC 23009-1 §5.3.9.5.3, §A.3).

Everything is on the presentation timeline (seconds) and the server's clock (``ServerClock``), never
the client's wall clock. For DASH ``$Number$`` addressing, segment ``k`` (counted from
``startNumber``) is available from ``AST + periodStart + (k+1)·d − availabilityTimeOffset`` until it
leaves the time-shift buffer. For HLS the playlist itself lists what exists; the clock only says how
old the newest entry is (through its program date-time).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .dash_live import DashLiveInfo, NumberTemplate
from .hls_live import HlsLiveInfo


@dataclass(frozen=True, kw_only=True)
class LiveWindow:
    """The DVR window: from ``start_s`` (oldest media still served) to ``edge_s`` (newest)."""

    start_s: float
    edge_s: float

    @property
    def depth_s(self) -> float:
        return max(0.0, self.edge_s - self.start_s)

    def clamp(self, position_s: float, margin_s: float = 0.0) -> float:
        """``position_s`` kept inside the window, ``margin_s`` away from its oldest end."""
        return min(self.edge_s, max(self.start_s + min(margin_s, self.depth_s), position_s))


def dash_now(info: DashLiveInfo, server_epoch: float) -> float:
    """Presentation time of "now" on the server (0 at availabilityStartTime)."""
    return server_epoch - (info.availability_start or 0.0)


def newest_number(template: NumberTemplate, now_s: float) -> int:
    """The highest segment number available at presentation time ``now_s`` (start_number − 1 if none)."""
    elapsed = now_s - template.period_start_s + template.availability_offset_s
    return template.start_number + math.floor(elapsed / template.duration_s + 1e-9) - 1


def number_at(template: NumberTemplate, t: float) -> int:
    """The segment number that holds presentation time ``t``."""
    return template.start_number + max(0, math.floor((t - template.period_start_s) / template.duration_s + 1e-9))


def hls_hold_back(info: HlsLiveInfo, low_latency: bool) -> float:
    """PART-HOLD-BACK when playing low-latency and the playlist has parts, else HOLD-BACK (§4.4.3.8)."""
    if low_latency and info.part_hold_back_s is not None:
        return info.part_hold_back_s
    return info.hold_back_s


def dash_delay(info: DashLiveInfo, low_latency: bool) -> float:
    """The presentation delay to hold: the ServiceDescription target for LL, else
    ``suggestedPresentationDelay``, else ``minBufferTime`` + one segment (what dash.js falls back to).

    Played as whole segments, no delay under two segments: one lands while the one before plays. A
    segment is available only once complete, so at one segment's delay (plain ffmpeg ``-f dash``
    suggests exactly that) the playhead reaches each segment as it becomes available: a rebuffer per
    segment.
    """
    if low_latency and info.target_latency_s is not None:
        return info.target_latency_s
    segment = info.video_template.duration_s if info.video_template else (info.max_segment_s or 2.0)
    if info.suggested_delay_s is not None:
        return info.suggested_delay_s if low_latency else max(info.suggested_delay_s, 2 * segment)
    return info.min_buffer_s + segment


def live_start(starts: Sequence[float], live_point_s: float, target_s: float, max_wait_s: float) -> tuple[float, float]:
    """Where live playback starts, and how long to wait first (RFC 8216bis §6.3.3: never inside the hold-back).

    The newest segment start at or before the live point minus ``target_s``: a keyframe, shown at once,
    up to a segment further behind than the target (caught up afterwards). When the next start reaches
    the target within ``max_wait_s``, that one after the wait instead. With no start that early, the
    oldest listed (a window shorter than the target). The live point is the end of the playlist for
    HLS (hold-backs count from the last part or segment listed) and "now" for DASH.
    """
    before = [s for s in starts if s <= live_point_s - target_s + 1e-6]
    start = before[-1] if before else (starts[0] if starts else 0.0)
    later = [s for s in starts if s > start]
    wait = later[0] - (live_point_s - target_s) if later else 0.0
    if 0 < wait <= max_wait_s:
        return later[0], wait
    return start, 0.0

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

from player.errors import StartOutsideWindow

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


def asked_start(asked_s: float, window: LiveWindow, target_s: float, margin_s: float) -> float:
    """Where a live play asked to start at ``asked_s`` (``--start``) begins, on the presentation timeline.

    Shaka Player's ``load(uri, startTime)``: a negative ``asked_s`` counts back from the live edge (``-30``:
    30 s behind it); zero or more is a position on the timeline the report's positions use (DASH: the
    presentation's time; HLS: seconds from the oldest segment listed when the play opened). Ours counts
    back from the window's edge, the newest media — what the app's seek bar and "Behind live" count from
    — where Shaka counts from its seek range's end (the edge less the presentation delay).

    Unlike Shaka, nothing is clamped: a start older than the window's oldest media plus ``margin_s``
    (nearer, its first segment may be deleted before it is fetched) or closer to the edge
    than ``target_s`` (the hold-back, RFC 8216bis §6.3.3: media there may not exist yet, and a default
    play starts no nearer) raises :class:`~player.errors.StartOutsideWindow`, naming the range
    playable now.
    """
    position = window.edge_s + asked_s if asked_s < 0 else asked_s
    earliest = window.start_s + min(margin_s, window.depth_s / 2)
    latest = window.edge_s - target_s
    if earliest - 1e-6 <= position <= latest + 1e-6:
        return position
    where = ("older than the oldest media kept" if position < earliest else "ahead of the live edge"
             if position > window.edge_s else f"inside the stream's {target_s:g} s hold-back")
    playable = (f"starts from {earliest:.1f} to {latest:.1f} s ({earliest - window.edge_s:.1f} to "
                f"{latest - window.edge_s:.1f} s from the live edge) are playable now" if earliest <= latest
                else f"the window ({window.depth_s:.1f} s) is shorter than the hold-back ({target_s:g} s)")
    raise StartOutsideWindow(f"the start {asked_s:g} s is outside the live DVR window ({where}, at {position:.1f} s "
                             f"with the live edge at {window.edge_s:.1f} s): {playable}")

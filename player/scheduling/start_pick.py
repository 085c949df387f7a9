"""The first video segment of a play: the highest rung the link's carried estimate sustains.

Why: with no estimate the ABR starts at the lowest rung, so the picture on screen is at another size
than everything after it, and a seek back into that first segment (inside libmpv's cache) made libmpv
rebuild its decoder, filters and output for the new size: ~10 ms, a seek at 1.22× plain mpv (issue 19).
Viewers expect what ExoPlayer's process-wide ``DefaultBandwidthMeter``, YouTube and Netflix do: the
throughput the last play on this link measured is not thrown away (``player.playback.throughput_memory``
keeps it). As dash.js and Shaka start from their estimate, the first segment is the highest rung the
estimate carries with ``after_seek``'s safety margin — never more than it sustains; no rung carried, or
no estimate, or one older than ``CARRIED_FOR_S``: the ABR's own start stands. Pure.

``CARRIED_FOR_S`` is 10 minutes, counted from the last download the estimate includes: the next title
in a sitting starts within it (a play downloads until a buffer before its end, so the next title
follows a minute or so later), while a laptop carried to another network, or a link that got busy
since, starts again from the bottom rather than on a stale figure (ExoPlayer resets its meter on a
network type change, which a desktop process cannot see). The cost of an estimate that is wrong all
the same: the first segment is not abandoned (``video_loop``), so it comes slowly until the stall
detector refetches it at the lowest rung (a 1100 kbit/s segment on a 500 kbit/s link: first segment
after ~4 s instead of ~1 s, ``tests/player/test_start_pick.py``).
"""
from __future__ import annotations

from typing import NamedTuple

from player.scheduling.after_seek import carries

CARRIED_FOR_S = 10 * 60.0


class Carried(NamedTuple):
    """A throughput estimate from an earlier play on the same origin, and how old it is."""

    kbps: float
    age_s: float


def start_rung(carried: Carried | None, bitrates_kbps: tuple[float, ...]) -> int | None:
    """The highest rung whose bitrate the ``carried`` estimate carries; None: the ABR's own start."""
    if carried is None or not 0.0 <= carried.age_s <= CARRIED_FOR_S:
        return None
    return max((i for i, bitrate in enumerate(bitrates_kbps) if carries(carried.kbps, bitrate)), default=None)

"""When to reload a live playlist or MPD, and when to call it frozen (RFC 8216bis §6.3.4, §6.2.5.2;
ISO/IEC 23009-1 §5.4.1 ``minimumUpdatePeriod``).

HLS: after a reload that changed the playlist, wait one target duration; after one that did not,
half of it. With ``CAN-BLOCK-RELOAD`` the client asks at once for the next part or segment
(``_HLS_msn``/``_HLS_part``) and the server holds the answer. DASH: every ``minimumUpdatePeriod``
(never faster than ``MIN_DASH_RELOAD_S``); an MPD without one does not change. A playlist that has
not advanced for ``LIVE_STOPPED_AFTER_SEGMENTS`` target durations is frozen: the encoder or packager upstream has
stopped, and waiting longer only hides it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from player.errors import LIVE_STOPPED_AFTER_SEGMENTS

from .dash_live import DashLiveInfo
from .hls_live import HlsLiveInfo

MIN_DASH_RELOAD_S = 0.5


def hls_reload_delay(info: HlsLiveInfo, changed: bool) -> float:
    """Seconds to wait before the next plain (non-blocking) reload."""
    return info.target_s if changed else info.target_s / 2


def blocking_reload_url(url: str, info: HlsLiveInfo, low_latency: bool) -> str | None:
    """The URL of the next blocking reload, or None when the server cannot block.

    Low-latency clients wait for the next part; others for the next whole segment (§6.2.5.2).
    """
    if not info.can_block_reload or not info.live:
        return None
    if low_latency and info.part_target_s is not None:
        msn, part = info.next_part()
        query = f"_HLS_msn={msn}&_HLS_part={part}"
    else:
        query = f"_HLS_msn={info.next_msn}"
    parts = urlsplit(url)
    joined = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, joined, parts.fragment))


def dash_reload_delay(info: DashLiveInfo) -> float | None:
    """Seconds until the MPD should be fetched again; None when it never changes."""
    if not info.dynamic or info.minimum_update_period_s is None:
        return None
    return max(MIN_DASH_RELOAD_S, info.minimum_update_period_s)


@dataclass
class FrozenDetector:
    """Watches a live manifest's progress marker (e.g. HLS ``(msn, part)``, DASH newest segment).

    ``observe(now, marker)`` returns True once the marker has not moved for ``limit_s``; it reports a
    freeze once until the marker moves again.
    """

    limit_s: float
    _marker: object = field(default=None, init=False)
    _since: float = field(default=0.0, init=False)
    frozen: bool = field(default=False, init=False)
    events: list[float] = field(default_factory=list, init=False)  # times freezes were detected

    @classmethod
    def for_target(cls, target_s: float) -> FrozenDetector:
        return cls(limit_s=LIVE_STOPPED_AFTER_SEGMENTS * target_s)

    def observe(self, now: float, marker: object) -> bool:
        if marker != self._marker:
            self._marker = marker
            self._since = now
            self.frozen = False
            return False
        if not self.frozen and now - self._since >= self.limit_s:
            self.frozen = True
            self.events.append(now)
        return self.frozen

"""What the player shows of a live play (issue 15): the DVR window, how far behind live the playhead is,
the latency, and whether the viewer is at the live edge or in timeshift.

The engine's stats carry a live play's figures under ``live`` (``PlaybackSession.stats``: the DVR
window, the measured latency, the target, the timeshift flag); :class:`LiveView` is the pure reading
of them that the overlay, the keys and the seek logic share.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AT_LIVE_SLACK_S = 3.0  # latency up to target + this still reads as "at live" (catch-up closes the rest)
NEAR_EDGE_S = 1.0  # a seek landing this close to live (beyond the target latency) means "go live"


def behind_text(seconds: float) -> str:
    """``−0:42`` / ``−1:02:03``: how far behind the live edge (a minus sign, not a hyphen)."""
    whole = max(0, int(round(seconds)))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"−{hours}:{minutes:02d}:{secs:02d}" if hours else f"−{minutes}:{secs:02d}"


@dataclass(frozen=True, kw_only=True)
class LiveView:
    """One poll's live figures, on the presentation timeline (seconds)."""

    start_s: float  # the DVR window's oldest end
    edge_s: float  # the live edge: the newest media listed
    position_s: float
    latency_s: float | None  # server clock minus the shown frame's program date-time
    target_s: float
    timeshift: bool  # the viewer went back on purpose: no catching up until Go live

    @classmethod
    def from_stats(cls, stats: dict[str, Any]) -> LiveView | None:
        """The view of a stats poll, or None when the play is not live."""
        live = stats.get("live")
        if not isinstance(live, dict):
            return None
        return cls(start_s=float(live["start_s"]), edge_s=float(live["edge_s"]),
                   position_s=float(live["edge_s"] if stats.get("position_s") is None else stats["position_s"]),
                   latency_s=None if live.get("latency_s") is None else float(live["latency_s"]),
                   target_s=float(live["target_s"]), timeshift=bool(live["timeshift"]))

    @property
    def behind_s(self) -> float:
        return max(0.0, self.edge_s - self.position_s)

    @property
    def at_live(self) -> bool:
        """Following live (the Go-live control is lit): not in timeshift and not far behind the target."""
        behind = self.latency_s if self.latency_s is not None else self.behind_s
        return not self.timeshift and behind <= self.target_s + AT_LIVE_SLACK_S

    def seek_action(self, position_s: float) -> str:
        """What a seek to ``position_s`` should do: ``"seek"`` inside the window; ``"go-live"`` when it lands
        closer to the edge than the target latency allows (media there is not complete yet); ``"none"`` for
        that while already following live (a restart would only cost a rebuffer)."""
        if position_s < self.edge_s - self.target_s - NEAR_EDGE_S:
            return "seek"
        return "none" if self.at_live else "go-live"

    def latency_text(self) -> str:
        return "Latency —" if self.latency_s is None else f"Latency {self.latency_s:.1f} s"

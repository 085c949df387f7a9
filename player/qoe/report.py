"""The QoE report of one session as a typed value, serialised to JSON only at the edge (``to_json``).

The JSON keys are a DESIGN.md contract (``target``, ``startup_ms``, ``played_s``, ``rebuffer_count``,
``rebuffer_s``, ``avg_bitrate_kbps``, ``switches``, ``cdn_failovers``, ``license_ms``, ``errors``,
``segments``); more keys may be added, none removed or renamed. ``qoe_lin`` is the simulator's
linear QoE (``abr.metrics``) over the video segments actually played, so a live run and a
simulated one are scored alike.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from abr.metrics import qoe_lin_terms
from player.net import RequestRecord
from player.qoe.events import DownloadAbandoned, Notice, SegmentRecord
from player.qoe.tracker import ErrorRecord, QoeTracker


@dataclass(frozen=True, kw_only=True)
class QoeReport:
    """Every figure of a session; ``to_json()`` is what ``reelbox play --report`` writes."""

    target: str
    startup_ms: float | None
    played_s: float
    rebuffer_count: int
    rebuffer_s: float
    avg_bitrate_kbps: float
    switches: int
    cdn_failovers: int
    abandonments: int
    license_ms: float | None
    errors: tuple[ErrorRecord, ...]
    segments: tuple[SegmentRecord, ...]
    rebuffer_events: tuple[tuple[float, float | None], ...]
    abandon_events: tuple[DownloadAbandoned, ...]
    qoe_lin: float | None = None
    decoder_errors: int = 0
    algorithm: str | None = None
    emergency_downswitches: int = 0
    start_s: float = 0.0
    requests: tuple[RequestRecord, ...] = ()
    notices: tuple[Notice, ...] = ()
    duration_s: float | None = None  # the presentation's, from its manifest
    complete: bool = False  # played to the end, every track, nothing skipped (player.completeness)
    tracks: tuple[Mapping[str, object], ...] = ()  # what was played: kind, codec, language, fed_until_s
    # the link's estimate from an earlier play that the first segment's rung was picked from (None: the ABR's start)
    start_estimate_kbps: float | None = None
    # a long play (a live channel for weeks) lists its newest segments and requests; how many older ones were let go
    segments_dropped: int = 0
    requests_dropped: int = 0
    opened_at: float = field(default=0.0, repr=False)  # the clock reading every ``t_s`` counts from

    def to_json(self) -> dict[str, Any]:
        def since(at: float | None) -> float | None:
            return None if at is None else round(at - self.opened_at, 3)

        out = {name: getattr(self, name) for name in (
            "target", "startup_ms", "played_s", "rebuffer_count", "rebuffer_s", "avg_bitrate_kbps", "switches",
            "cdn_failovers", "abandonments", "license_ms", "qoe_lin", "decoder_errors", "algorithm",
            "emergency_downswitches", "start_s", "duration_s", "complete", "start_estimate_kbps", "segments_dropped",
            "requests_dropped")}
        out["tracks"] = [dict(t) for t in self.tracks]
        out["errors"] = [asdict(e) for e in self.errors]
        out["segments"] = [asdict(s) for s in self.segments]
        out["rebuffer_events"] = [[since(a), since(b)] for a, b in self.rebuffer_events]
        out["abandon_events"] = [{"t_s": since(e.at), "index": e.index, "from_rung": e.from_rung,
                                  "to_rung": e.to_rung, "received": e.received_bytes} for e in self.abandon_events]
        out["requests"] = [{**asdict(r), "kind": str(r.kind), "t_s": since(r.at_s)} for r in self.requests]
        out["notices"] = [{"code": n.code, "message": n.message, "t_s": since(n.at)} for n in self.notices]
        return out


def build_report(
    qoe: QoeTracker, now: float, *, start_s: float = 0.0, decoder_errors: int = 0, algorithm: str | None = None,
    pool_failovers: int | None = None, requests: Sequence[RequestRecord] = (),
    notices: Sequence[Notice] = (), duration_s: float | None = None, complete: bool = False,
    tracks: Sequence[Mapping[str, object]] = (), start_estimate_kbps: float | None = None, requests_dropped: int = 0,
) -> QoeReport:
    """The report as of ``now``; ``pool_failovers`` (every request's, manifests included) wins over the segments'."""
    startup_ms = qoe.startup_ms()
    sums = qoe.ladder_sums
    qoe_lin = None
    if sums.count:
        quality, stall, switches = qoe_lin_terms(sums.kbps, sums.switch_kbps, sums.count, qoe.rebuffer_s(now))
        qoe_lin = round(quality - stall - switches, 4)
    return QoeReport(
        target=qoe.target, startup_ms=startup_ms, played_s=round(qoe.played_s, 3), rebuffer_count=len(qoe.rebuffers),
        rebuffer_s=round(qoe.rebuffer_s(now), 3), avg_bitrate_kbps=round(qoe.avg_bitrate_kbps(), 1),
        switches=qoe.switches(), cdn_failovers=qoe.cdn_failovers if pool_failovers is None else pool_failovers,
        abandonments=qoe.abandonments, license_ms=qoe.license_ms, errors=tuple(qoe.errors),
        segments=tuple(qoe.segments), rebuffer_events=tuple(qoe.rebuffers), abandon_events=tuple(qoe.abandon_events),
        qoe_lin=qoe_lin, decoder_errors=decoder_errors, algorithm=algorithm,
        emergency_downswitches=qoe.emergency_downswitches, start_s=start_s, requests=tuple(requests),
        notices=tuple(notices), duration_s=duration_s, complete=complete, tracks=tuple(tracks), opened_at=qoe.opened_at,
        segments_dropped=qoe.segments_dropped, requests_dropped=requests_dropped,
        start_estimate_kbps=None if start_estimate_kbps is None else round(start_estimate_kbps, 1),
    )

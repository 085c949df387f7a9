"""Session metrics, QoE_lin exactly as ``shared/abr-traces/README.md`` defines it, and two more views
so that no algorithm is fitted to one formula.

QoE_lin per chunk = (R_n − 4300·stall_n − |R_n − R_{n−1}|) / 1000, R in kbit/s and stall in seconds
(startup excluded), averaged over the chunks of a session (Yin et al., SIGCOMM 2015, with the
Pensieve weights), then over the traces of a set.

QoE_log (Pensieve, Mao et al. SIGCOMM 2017, §5.1; Oboe uses the same shape): q(R) = ln(R / R_min) in
place of R, rebuffering at 2.66 per second.  Diminishing returns on bitrate, so a policy that buys the
top rung with risk scores worse here than under QoE_lin.

Startup quality, which QoE_lin leaves out: the media seconds played below the *sustainable rung* (the
highest rung the link's mean rate over the first 30 s carries, as the simulator computes it) before the
first segment at or above it, and QoE_lin over the first 10 s of media (its chunks, and the stalls
while the play position was below 10 s).
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from .traces import log_name

REBUFFER_PENALTY = 4300.0
LOG_REBUFFER_PENALTY = 2.66
EARLY_MEDIA_S = 10.0


def qoe_lin_terms(kbps_sum: float, switch_kbps: float, segments: int, stall_s: float) -> tuple[float, float, float]:
    """QoE_lin's terms per segment in Mbit/s from sums over a play's segments: the bitrates, the magnitudes of their
    changes (a player's report keeps the sums when it lets old segment rows go)."""
    return (kbps_sum / segments / 1000.0, REBUFFER_PENALTY * stall_s / segments / 1000.0,
            switch_kbps / segments / 1000.0)


@dataclass(frozen=True, kw_only=True)
class SessionResult:
    trace: str
    bitrates_kbps: tuple[float, ...]  # one per played segment, in order
    rungs: tuple[int, ...]
    stall_s: float
    stall_events: int
    startup_s: float
    total_s: float  # wall time of the session: startup + playback + stalls
    abandons: int = 0
    segment_duration_s: float = 0.0
    lowest_kbps: float = 0.0  # the ladder's lowest rung (0: the lowest played)
    early_stall_s: float = 0.0  # stall while the play position was below EARLY_MEDIA_S
    sustainable_rung: int | None = None

    @property
    def segments(self) -> int:
        return len(self.bitrates_kbps)

    @property
    def switches(self) -> int:
        return sum(1 for a, b in zip(self.rungs, self.rungs[1:]) if a != b)

    @property
    def switch_kbps(self) -> float:
        """Total magnitude of the bitrate changes."""
        return sum(abs(b - a) for a, b in zip(self.bitrates_kbps, self.bitrates_kbps[1:]))

    @property
    def avg_bitrate_kbps(self) -> float:
        return sum(self.bitrates_kbps) / self.segments

    @property
    def rebuffer_ratio(self) -> float:
        return self.stall_s / self.total_s if self.total_s > 0 else 0.0

    @property
    def qoe_lin(self) -> float:
        quality, stall, switches = self.qoe_lin_terms
        return quality - stall - switches

    @property
    def qoe_lin_terms(self) -> tuple[float, float, float]:
        """QoE_lin's three terms per segment in Mbit/s: quality, stall penalty, switch penalty (QoE_lin is the
        first minus the others).  Quality less switches is what :mod:`abr.oracle`'s bound is on."""
        return qoe_lin_terms(sum(self.bitrates_kbps), self.switch_kbps, self.segments, self.stall_s)

    def switches_per(self, segments: int = 150) -> float:
        return self.switches * segments / self.segments

    @property
    def qoe_log(self) -> float:
        quality, stall, switches = self.qoe_log_terms
        return quality - stall - switches

    @property
    def qoe_log_terms(self) -> tuple[float, float, float]:
        """QoE_log's three terms per segment: log quality, stall penalty, switch penalty (QoE_log is the first
        minus the others).  Which one a gap comes from says what to change: on Puffer at 10 s the default
        loses to DYNAMIC by quality alone, half its segments at the lowest rung."""
        low = self.lowest_kbps or min(self.bitrates_kbps)
        q = [math.log(r / low) for r in self.bitrates_kbps]
        n = self.segments
        return sum(q) / n, LOG_REBUFFER_PENALTY * self.stall_s / n, sum(abs(b - a) for a, b in zip(q, q[1:])) / n

    @property
    def startup_below_s(self) -> float:
        """Media seconds played below the sustainable rung before the first segment at or above it."""
        if self.sustainable_rung is None:
            return 0.0
        below = next((i for i, r in enumerate(self.rungs) if r >= self.sustainable_rung), self.segments)
        return below * self.segment_duration_s

    @property
    def qoe_first_10s(self) -> float:
        """QoE_lin over the chunks that hold the first 10 s of media."""
        k = min(self.segments, max(1, math.ceil(EARLY_MEDIA_S / self.segment_duration_s - 1e-9))
                if self.segment_duration_s > 0 else self.segments)
        rates = self.bitrates_kbps[:k]
        switch = sum(abs(b - a) for a, b in zip(rates, rates[1:]))
        return (sum(rates) - REBUFFER_PENALTY * self.early_stall_s - switch) / k / 1000.0


@dataclass(frozen=True, kw_only=True)
class SetSummary:
    """Means over the traces of one set."""

    traces: int
    qoe_lin: float
    rebuffer_ratio: float
    switches_per_150: float
    switch_kbps_per_segment: float
    avg_bitrate_kbps: float
    startup_s: float
    stall_s: float
    qoe_log: float
    startup_below_s: float
    qoe_first_10s: float
    abandons: float


def summarize(results: "list[SessionResult]") -> SetSummary:
    n = len(results)
    if n == 0:
        raise ValueError("no sessions to summarize")
    return SetSummary(
        traces=n,
        qoe_lin=statistics.fmean(r.qoe_lin for r in results),
        rebuffer_ratio=statistics.fmean(r.rebuffer_ratio for r in results),
        switches_per_150=statistics.fmean(r.switches_per(150) for r in results),
        switch_kbps_per_segment=statistics.fmean(r.switch_kbps / r.segments for r in results),
        avg_bitrate_kbps=statistics.fmean(r.avg_bitrate_kbps for r in results),
        startup_s=statistics.fmean(r.startup_s for r in results),
        stall_s=statistics.fmean(r.stall_s for r in results),
        qoe_log=statistics.fmean(r.qoe_log for r in results),
        startup_below_s=statistics.fmean(r.startup_below_s for r in results),
        qoe_first_10s=statistics.fmean(r.qoe_first_10s for r in results),
        abandons=statistics.fmean(r.abandons for r in results),
    )


# Two-sided 97.5 % Student t quantiles for small samples; the normal value beyond.
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
         10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000, 120: 1.980}


def _t975(df: int) -> float:
    if df <= 0:
        return math.inf
    keys = sorted(k for k in _T975 if k <= df)
    return _T975[keys[-1]] if df <= 120 else 1.960


@dataclass(frozen=True, kw_only=True)
class PairedDiff:
    """Mean of per-trace differences (ours − baseline) with a 95 % t interval."""

    n: int
    mean: float
    low: float
    high: float


def per_log(results: "list[SessionResult]", metric: "Callable[[SessionResult], float]") -> dict[str, float]:
    """``metric`` averaged over the sessions played on each log (several when a log was entered at several
    points, ``Trace.started_at``), by log name in first-seen order: the unit a paired interval may count as
    independent, since sessions on one link are not."""
    by_log: dict[str, list[float]] = {}
    for r in results:
        by_log.setdefault(log_name(r.trace), []).append(metric(r))
    return {name: statistics.fmean(v) for name, v in by_log.items()}


def paired_per_log(ours: "list[SessionResult]", theirs: "list[SessionResult]",
                   metric: "Callable[[SessionResult], float]") -> "PairedDiff":
    """``paired_difference`` of ``metric`` over the logs both played, each log's sessions averaged first;
    the two must have played the same logs."""
    a, b = per_log(ours, metric), per_log(theirs, metric)
    if a.keys() != b.keys():
        raise ValueError("a paired difference needs the same logs on both sides")
    return paired_difference(list(a.values()), [b[name] for name in a])


def paired_difference(ours: "list[float]", baseline: "list[float]") -> PairedDiff:
    if len(ours) != len(baseline) or not ours:
        raise ValueError("paired difference needs two equal, non-empty lists")
    d = [a - b for a, b in zip(ours, baseline)]
    m = statistics.fmean(d)
    if len(d) < 2:
        return PairedDiff(n=1, mean=m, low=-math.inf, high=math.inf)
    half = _t975(len(d) - 1) * statistics.stdev(d) / math.sqrt(len(d))
    return PairedDiff(n=len(d), mean=m, low=m - half, high=m + half)

"""An upper bound on QoE_lin for one trace: what a player that knew the whole trace in advance could score.

Why: a goal cell that no algorithm can meet should be shown to be so, not chased.  On LTE with the 4K
ladder, RobustMPC's QoE_lin leads by rebuffering 9 % at a 10 s buffer (a second of stall costs 4.3 in
QoE_lin, one step of that ladder 8–19), and the goal also asks for rebuffering no higher than DYNAMIC's.
:func:`qoe_lin_bound` answers how much QoE_lin *any* schedule can reach with at most ``stall_budget_s``
of stall in all, in the simulator's model (:mod:`abr.simulator`): the first segment at the lowest rung,
playback from its arrival, a request only when a whole segment fits the buffer, a first-byte latency
per request, the trace looping.

The bound is exact dynamic programming over rung sequences with two relaxations, each of which can
only raise it: a schedule may stall up to ``stall_budget_s`` at any segment without its later deadlines
or its buffer cap moving by the stall (a real stall shifts both later), and each request's first-byte
delay is the smaller of the latencies of the period it starts in and the next.  Knowing the future,
the player never abandons or waits, and a transfer that starts earlier never ends later, so per
(segment, last rung) only the Pareto front of (arrival time, score) is kept, as in
:mod:`abr.lookahead`.  The stall penalty is not charged: the bound is on QoE_lin at zero stall cost.  Cost: fronts of a few
hundred states per rung at a 25 s buffer, 1–20 s per trace (10 ms at 10 s).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from .ladder import Ladder
from .traces import Trace


@dataclass(frozen=True)
class _Link:
    """The trace unrolled (looped) to ``horizon_s``: period starts, cumulative bits at each, rates, latencies."""

    starts: list[float]
    bits: list[float]
    bps: list[float]
    latency: list[float]

    @classmethod
    def unroll(cls, trace: Trace, horizon_s: float) -> _Link:
        starts, bits, bps, latency = [], [], [], []
        t = b = 0.0
        while t <= horizon_s:
            for p in trace.periods:
                if p.duration_s <= 0:
                    continue
                starts.append(t)
                bits.append(b)
                bps.append(p.kbps * 1000.0)
                latency.append(p.latency_s)
                t += p.duration_s
                b += p.kbps * 1000.0 * p.duration_s
        starts.append(t)
        bits.append(b)
        return cls(starts, bits, bps, latency)

    def bits_at(self, t: float) -> float:
        i = min(bisect.bisect_right(self.starts, t) - 1, len(self.bps) - 1)
        return self.bits[i] + (t - self.starts[i]) * self.bps[i]

    def arrival(self, start_s: float, size_bits: float) -> float:
        """When a request made at ``start_s`` for ``size_bits`` has all its bytes (inf past the horizon)."""
        i = min(bisect.bisect_right(self.starts, start_s) - 1, len(self.bps) - 1)
        first_byte = start_s + min(self.latency[i], self.latency[min(i + 1, len(self.latency) - 1)])
        want = self.bits_at(first_byte) + size_bits
        j = bisect.bisect_left(self.bits, want)  # the first period boundary with that much carried
        if j >= len(self.bits):
            return float("inf")
        if self.bits[j] == want:
            return self.starts[j]
        return self.starts[j - 1] + (want - self.bits[j - 1]) / self.bps[j - 1]  # reached inside period j - 1


def qoe_lin_bound(trace: Trace, ladder: Ladder, *, buffer_capacity_s: float, stall_budget_s: float = 0.0) -> float:
    """The highest QoE_lin (before its stall penalty) any schedule with at most ``stall_budget_s`` of stall
    reaches on ``trace``; ``-inf`` when even the lowest rung stalls longer."""
    seg, cap, n = ladder.segment_duration_s, buffer_capacity_s, ladder.segments
    mbps = [r / 1000.0 for r in ladder.bitrates_kbps]
    link = _Link.unroll(trace, horizon_s=n * seg + stall_budget_s + 600.0)
    t0 = link.arrival(0.0, ladder.sizes_bits[0][0])  # the startup segment, at the lowest rung
    fronts: dict[int, list[tuple[float, float]]] = {0: [(t0, mbps[0])]}  # last rung -> [(arrival, score)]
    for k in range(1, n):
        earliest = t0 + (k + 1) * seg - cap  # the buffer has room for segment k
        deadline = t0 + k * seg + stall_budget_s  # segment k must be in before the buffer runs dry
        sizes = ladder.sizes_bits[k]
        grown: dict[int, list[tuple[float, float]]] = {r: [] for r in range(len(mbps))}
        for p, front in fronts.items():
            for t, score in front:
                start = max(t, earliest)
                for r, size in enumerate(sizes):
                    at = link.arrival(start, size)
                    if at <= deadline:
                        grown[r].append((at, score + mbps[r] - abs(mbps[r] - mbps[p])))
        fronts = {r: _pareto(states) for r, states in grown.items() if states}
        if not fronts:
            return float("-inf")
    return max(score for front in fronts.values() for _, score in front) / n


def _pareto(states: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The states no other state beats on both arrival (earlier) and score (higher)."""
    states.sort(key=lambda s: (s[0], -s[1]))
    kept: list[tuple[float, float]] = []
    best = float("-inf")
    for state in states:
        if state[1] > best + 1e-12:
            kept.append(state)
            best = state[1]
    return kept

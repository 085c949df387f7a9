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
:mod:`abr.lookahead`, less the states a state on another rung beats by at least the switch between them.
The stall penalty is not charged: the bound is on QoE_lin at zero stall cost.  Each state keeps its
rungs (:func:`best_schedule`), so the bound's schedule can be compared with an algorithm's.
``best_schedule(switch_cost=)`` charges each switch that much on top of QoE_lin's own, which traces how much
QoE_lin fewer switches cost a player that knows the link (goal 4).  A stall-free schedule replays exactly in
the simulator (:class:`ScheduleReplay`) on a trace whose latency is constant (the 12 lte logs; the Pensieve
text sets at their 80 ms), since then neither relaxation applies.  Cost: fronts
of a hundred or two states per rung at a 25 s buffer, 4–7 s per trace on hsdpa at 25 s, 10 ms at
10 s: 56 bounds on hsdpa, fcc, lte and Puffer take 355 s of CPU against 885 s before session 22's pruning
across rungs and shared first byte, with every bound identical to the last bit.
"""
from __future__ import annotations

import bisect
import operator
from dataclasses import dataclass
from typing import TypeAlias

from .ladder import Ladder
from .lookahead import improving
from .state import AbrState, AlgorithmBase, Decision
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

    def carried_at_first_byte(self, start_s: float) -> float:
        """The bits the link has carried by the first byte of a request made at ``start_s``: a state's
        requests for every rung share it, so it is worked out once per state."""
        i = min(bisect.bisect_right(self.starts, start_s) - 1, len(self.bps) - 1)
        first_byte = start_s + min(self.latency[i], self.latency[min(i + 1, len(self.latency) - 1)])
        j = min(bisect.bisect_right(self.starts, first_byte) - 1, len(self.bps) - 1)
        return self.bits[j] + (first_byte - self.starts[j]) * self.bps[j]

    def time_carried(self, want_bits: float) -> float:
        """When the link has carried ``want_bits`` in all (inf past the horizon)."""
        j = bisect.bisect_left(self.bits, want_bits)  # the first period boundary with that much carried
        if j >= len(self.bits):
            return float("inf")
        if self.bits[j] == want_bits:
            return self.starts[j]
        return self.starts[j - 1] + (want_bits - self.bits[j - 1]) / self.bps[j - 1]  # reached inside period j - 1

    def arrival(self, start_s: float, size_bits: float) -> float:
        """When a request made at ``start_s`` for ``size_bits`` has all its bytes (inf past the horizon)."""
        return self.time_carried(self.carried_at_first_byte(start_s) + size_bits)


@dataclass(frozen=True)
class Schedule:
    """The best schedule the bound found: its score (QoE_lin before the stall penalty; ``-inf`` when none
    fits the stall budget) and the rung of every segment, so its quality and switch terms can be split."""

    score: float
    rungs: tuple[int, ...]


_Trail: TypeAlias = "tuple[int, _Trail] | None"  # a state's rungs, newest first, shared with its ancestors
_State: TypeAlias = tuple[float, float, _Trail]  # (arrival, score, trail)


def qoe_lin_bound(trace: Trace, ladder: Ladder, *, buffer_capacity_s: float, stall_budget_s: float = 0.0) -> float:
    """The highest QoE_lin (before its stall penalty) any schedule with at most ``stall_budget_s`` of stall
    reaches on ``trace``; ``-inf`` when even the lowest rung stalls longer."""
    return best_schedule(trace, ladder, buffer_capacity_s=buffer_capacity_s, stall_budget_s=stall_budget_s).score


def best_schedule(trace: Trace, ladder: Ladder, *, buffer_capacity_s: float, stall_budget_s: float = 0.0,
                  switch_cost: float = 0.0) -> Schedule:
    """The schedule behind :func:`qoe_lin_bound`; with ``switch_cost`` (Mbit/s, QoE_lin's unit), the schedule
    that scores highest once each switch is also charged that much (its ``score`` is still plain QoE_lin).  The
    charge must not be negative: the pruning across rungs needs the switch penalty to be a distance."""
    if switch_cost < 0:
        raise ValueError(f"switch_cost must be at least 0, not {switch_cost}")
    seg, cap, n = ladder.segment_duration_s, buffer_capacity_s, ladder.segments
    mbps = [r / 1000.0 for r in ladder.bitrates_kbps]
    link = _Link.unroll(trace, horizon_s=n * seg + stall_budget_s + 600.0)
    t0 = link.arrival(0.0, ladder.sizes_bits[0][0])  # the startup segment, at the lowest rung
    apart = [[abs(a - b) + (switch_cost if i != j else 0.0) for j, b in enumerate(mbps)] for i, a in enumerate(mbps)]
    fronts: dict[int, list[_State]] = {0: [(t0, mbps[0], (0, None))]}  # last rung -> its front
    for k in range(1, n):
        earliest = t0 + (k + 1) * seg - cap  # the buffer has room for segment k
        deadline = t0 + k * seg + stall_budget_s  # segment k must be in before the buffer runs dry
        sizes = ladder.sizes_bits[k]
        by_size = sorted(range(len(sizes)), key=sizes.__getitem__)
        grown: dict[int, list[_State]] = {r: [] for r in range(len(mbps))}
        for p, front in fronts.items():
            # Every state that arrived before the buffer had room starts at ``earliest``: of those only
            # the last (the highest score on a front) can matter.
            first = max(bisect.bisect_right(front, earliest, key=lambda state: state[0]) - 1, 0)
            for t, score, trail in front[first:]:
                carried = link.carried_at_first_byte(max(t, earliest))
                for r in by_size:
                    at = link.time_carried(carried + sizes[r])
                    if at > deadline:
                        break  # every larger segment arrives later still
                    grown[r].append((at, score + mbps[r] - apart[p][r], (r, trail)))
        fronts = _across_rungs({r: _pareto(states) for r, states in grown.items() if states}, apart)
        if not fronts:
            return Schedule(float("-inf"), ())
    _, score, trail = max((state for front in fronts.values() for state in front), key=lambda state: state[1])
    rungs = []
    while trail is not None:
        rungs.append(trail[0])
        trail = trail[1]
    switches = sum(a != b for a, b in zip(rungs, rungs[1:]))
    return Schedule((score + switch_cost * switches) / n, tuple(reversed(rungs)))


def _across_rungs(fronts: dict[int, list[_State]], apart: list[list[float]]) -> dict[int, list[_State]]:
    """Drop the states another rung's state beats for every continuation: arrived no later, and ahead by
    at least the switch between the two rungs, ``apart`` (a distance, so by the triangle inequality no next
    rung's switch penalty can make up the difference).  On one hsdpa trace at 25 s that was 29–45 % of the
    states the rungs' own fronts keep, per segment."""
    rungs = len(apart)
    # beaten_by[r][a]: how far ahead a state on rung a must be to beat one on rung r (a rung never beats itself)
    beaten_by = [[apart[a][r] if a != r else float("inf") for a in range(rungs)] for r in range(rungs)]
    states = sorted(((state, r) for r, front in fronts.items() for state in front),
                    key=lambda item: (item[0][0], -item[0][1]))
    best = [float("-inf")] * rungs  # the highest score so far (arrived no later) per rung
    kept: dict[int, list[_State]] = {r: [] for r in fronts}
    i = 0
    while i < len(states):
        j = i
        while j < len(states) and states[j][0][0] == states[i][0][0]:  # equal arrivals are checked together
            (_, score, _), r = states[j]
            best[r] = max(best[r], score)
            j += 1
        for state, r in states[i:j]:
            if max(map(operator.sub, best, beaten_by[r])) < state[1]:
                kept[r].append(state)
        i = j
    return {r: front for r, front in kept.items() if front}


def _pareto(states: list[_State]) -> list[_State]:
    """The states no other state beats on both arrival (earlier) and score (higher)."""
    states.sort(key=lambda s: (s[0], -s[1]))
    return improving(states)


class ScheduleReplay(AlgorithmBase):
    """Plays a fixed rung per segment (a :class:`Schedule`'s) and never abandons: the bound's schedule as a
    player in :func:`abr.simulator.simulate`, so what it would score is measured by the same metrics as the
    algorithms'.  Exact for a stall-free schedule on a trace of constant latency; one with a stall budget may
    stall far longer when replayed, since the bound lets it stall without moving later deadlines."""

    name = "schedule-replay"

    def __init__(self, rungs: tuple[int, ...]) -> None:
        self.rungs = rungs

    def choose(self, state: AbrState) -> Decision:
        return Decision(rung=self.rungs[state.segment_index])

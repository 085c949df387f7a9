"""Exact finite-horizon planning over the ladder, shared by RobustMPC and our default algorithm.

Maximises Σ_k (R_k − μ·stall_k − λ·|R_k − R_{k−1}|) / 1000 over the next ``horizon`` segments for a
given (constant) throughput prediction, plus an optional terminal value of the buffer left at the end,
and returns the best plan's first rung and value.  Download time = latency + real segment size / throughput;
the buffer is capped as the simulator caps it (a request waits until a whole segment fits).

Instead of enumerating the Mᴴ rung sequences (10⁵ for a 10-rung ladder), it keeps per (step, last
rung) only the Pareto front of (buffer, score): the future can only be as good or better with more
buffer, so a state with less buffer and a lower score can never win.  For the same reason, of the moves
from one front into a rung that stall only the best is kept: each ends with one segment buffered.

Some states have futures alike move for move: those the cap brings to the same buffer, and those with so
much buffer that no plan from them stalls again before it is capped or ends where the terminal value is
flat.  Of these only the best score counts, and the scores within ``SAFE_MARGIN_SCORE`` of it are kept as
well: merging them into the single best did not keep the plans bit for bit once scores ran into the
thousands, where two plans a rounding apart swapped.  That margin holds while plan values stay far under
10⁶, where one step of a float is far below it: the default's are in the hundreds, in the thousands only
for plans that stall for minutes (a float's step at 10⁴ is 2·10⁻¹²); at 10⁸ a review found a tie the cut
decided otherwise.  A deep buffer on a fast link needs that cut: its fronts ran to thousands of states.

The cost is near M² × H × (front size), and the fronts grow with the horizon: a decision of the default
on hsdpa takes about 2 ms at 25 s (five segments ahead) and 10-11 ms at 60 s (eight), ten rungs, all its
rules included (``benchmarks/abr_cost.py``; before session 39 added this cut and cached the default's
exact coefficient of variation, 6-7 and 20-22 ms).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from .state import AbrState

REBUFFER_PENALTY = 4.3  # QoE_lin units (Mbit/s) per second of stall, as in the README
SAFE_MARGIN_S = 1e-9
SAFE_MARGIN_SCORE = 1e-9  # far above the rounding a plan's score gathers, far below any real difference

S = TypeVar("S", bound=tuple[float, float, Any])  # (buffer or arrival, score, ...)


class Plan(NamedTuple):
    first_rung: int
    value: float  # the best plan's score plus the terminal value of the buffer it leaves


def best_plan(
    state: AbrState,
    kbps: float,
    *,
    horizon: int,
    rungs: Sequence[int] | None = None,
    rebuffer_penalty: float = REBUFFER_PENALTY,
    switch_penalty: float = 1.0,
    terminal: Callable[[float], float] | None = None,
    capped: bool = True,
    stall_event_penalty: float = 0.0,
    flat_above: float = float("inf"),
) -> Plan:
    """``capped=False`` is the plan model of Pensieve's ``mpc.py``: the buffer grows without limit in the
    plan and the first-byte latency is not added (the prediction already includes it).
    ``stall_event_penalty`` is charged once per segment whose download would stall, so a plan does not
    trade a steady trickle of short stalls for one rung of quality.  ``terminal`` must never fall as the
    buffer grows, and be constant from ``flat_above`` up (without a terminal, everywhere)."""
    rates = state.bitrates_kbps
    allowed = list(range(len(rates))) if rungs is None else list(rungs)
    left = state.segments_left()
    h = max(1, min(horizon, left) if left is not None else horizon)
    seg = state.segment_duration_s
    room = max(state.buffer_capacity_s - seg, 0.0) if capped else float("inf")
    lat = (state.latency_s or 0.0) if capped else 0.0
    bps = max(kbps, 1e-6) * 1000.0
    mbps = [r / 1000.0 for r in rates]
    last = state.last_rung
    # frontier: last rung -> list of (buffer, score, first rung)
    frontier: dict[int, list[tuple[float, float, int]]] = {-1 if last is None else last: [(state.buffer_s, 0.0, -1)]}
    steps = [{r: lat + state.segment_bits(k, r) / bps for r in allowed} for k in range(h)]
    safe = _safe_levels([max(times.values()) for times in steps], seg, room, -math.inf if terminal is None else flat_above)
    for k, times in enumerate(steps):
        nxt: dict[int, list[tuple[float, float, int]]] = {r: [] for r in allowed}
        for p, states in frontier.items():
            moves = [(r, times[r], mbps[r], switch_penalty * abs(mbps[r] - mbps[p]) if p >= 0 else 0.0) for r in allowed]
            stalled: dict[int, tuple[float, int]] = {}  # per rung, the best move into it that stalls
            for b, score, first in states:
                if b > room:
                    b = room
                for r, dl, quality, switch in moves:
                    start = r if k == 0 else first
                    if dl > b:
                        s = score + quality - rebuffer_penalty * (dl - b) - stall_event_penalty - switch
                        if r not in stalled or s > stalled[r][0]:
                            stalled[r] = (s, start)
                    else:
                        nxt[r].append((b - dl + seg, score + quality - switch, start))
            for r, (s, start) in stalled.items():  # each ends with one segment buffered: only the best can count
                nxt[r].append((seg, s, start))
        frontier = {r: _pareto(states, safe[k + 1]) for r, states in nxt.items()}
    best_first, best_value = allowed[0], float("-inf")
    for states in frontier.values():
        for b, score, first in states:
            v = score + (terminal(b) if terminal is not None else 0.0)
            if v > best_value + 1e-12 or (abs(v - best_value) <= 1e-12 and first < best_first):
                best_first, best_value = first, v
    return Plan(best_first, best_value)


def _safe_levels(slowest: list[float], seg: float, room: float, flat_above: float) -> list[float]:
    """Per step, a buffer from which plans differ only by the score they carry: the cap makes every state
    above it alike, and so does a buffer from which no plan stalls again before it is capped or before it
    ends where the terminal value is flat."""
    levels = [flat_above]
    for dl in reversed(slowest):
        need = max(dl, levels[0] + dl - seg) + SAFE_MARGIN_S  # the margin keeps the rounding on the safe side
        levels.insert(0, min(need, room))
    return levels


def _pareto(states: list[tuple[float, float, int]], safe_s: float = math.inf) -> list[tuple[float, float, int]]:
    """The states no other beats on both buffer and score, most buffer first (the first of equals kept).  Of
    those at ``safe_s`` or above, whose futures are all alike, only the best scores (within rounding) can win."""
    states.sort(key=itemgetter(0, 1), reverse=True)
    front = improving(states)
    n_safe = 0
    while n_safe < len(front) and front[n_safe][0] >= safe_s:
        n_safe += 1
    if n_safe < 2:
        return front
    best = front[n_safe - 1][1]
    return [st for st in front[:n_safe] if st[1] >= best - SAFE_MARGIN_SCORE] + front[n_safe:]


def improving(ordered: list[S]) -> list[S]:
    """Of states ordered best first by their first element, those whose score (the second) beats every one
    before them by more than rounding: the Pareto front, shared with :mod:`abr.oracle`."""
    kept: list[S] = []
    best = float("-inf")
    for st in ordered:
        if st[1] > best + 1e-12:
            kept.append(st)
            best = st[1]
    return kept


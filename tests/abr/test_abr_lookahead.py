"""The Pareto-pruned planner finds the same optimum as enumerating every rung sequence, also where it drops
the states whose futures are all alike (no stall ahead, the terminal value flat)."""
from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from abr.lookahead import REBUFFER_PENALTY, best_plan
from abr.state import AbrState


def brute_values(state: AbrState, kbps: float, horizon: int, terminal, capped: bool = True) -> dict[tuple[int, ...], float]:
    """Value of every sequence, by the README's QoE_lin terms and the simulator's buffer rules (or, not
    capped, Pensieve's mpc.py plan: no buffer cap, no latency)."""
    seg = state.segment_duration_s
    room = state.buffer_capacity_s - seg if capped else float("inf")
    lat = (state.latency_s or 0.0) if capped else 0.0
    out = {}
    for seq in itertools.product(range(state.rungs), repeat=horizon):
        b, value, prev = state.buffer_s, 0.0, state.last_rung
        for k, r in enumerate(seq):
            b = min(b, room)
            dl = lat + state.segment_bits(k, r) / (kbps * 1000)
            stall = max(dl - b, 0.0)
            b = max(b - dl, 0.0) + seg
            value += state.bitrates_kbps[r] / 1000 - REBUFFER_PENALTY * stall
            if prev is not None:
                value -= abs(state.bitrates_kbps[r] - state.bitrates_kbps[prev]) / 1000
            prev = r
        out[seq] = value + terminal(b)
    return out


@settings(max_examples=500, deadline=None)
@given(
    rates=st.lists(st.integers(min_value=100, max_value=40000), min_size=2, max_size=4, unique=True).map(sorted),
    capacity_s=st.sampled_from([8.0, 12.0, 25.0]),  # small buffers: the cap is reached often
    fill=st.floats(min_value=0, max_value=1.5),  # above 1: more buffered than the room for a segment
    kbps=st.floats(min_value=math.log(50), max_value=math.log(50000)).map(math.exp),  # plans that stall, and 4K ladders
    horizon=st.integers(min_value=1, max_value=4),
    last=st.none() | st.integers(min_value=0, max_value=1),
    scale=st.lists(st.floats(min_value=0.5, max_value=1.5), min_size=12, max_size=12),
    goal=st.floats(min_value=0, max_value=21),
    capped=st.booleans(),
    ends=st.booleans(),  # the plan reaches the video's end: no terminal value
)
# Cases that need the buffer cap and the stall cut right (found by random searches against mutants of the
# planner: the cap applied late or to the wrong state, the first or a worse stalling move kept).
@example(rates=[13712, 15647, 17733, 21985], capacity_s=8.0, fill=0.075, kbps=15524.0, horizon=3, last=0,
         scale=[1.01, 1.24, 0.67, 1.15, 1.21, 1.32, 0.77, 1.11, 0.73, 1.06, 0.67, 1.29], goal=18.2, capped=True, ends=False)
@example(rates=[8991, 39172], capacity_s=25.0, fill=0.884, kbps=41803.0, horizon=4, last=1,
         scale=[0.53, 0.73, 0.98, 1.34, 1.45, 0.51, 0.64, 0.52, 0.64, 1.41, 0.58, 1.04], goal=4.1, capped=True, ends=False)
@example(rates=[11532, 12659, 28004, 30076], capacity_s=25.0, fill=0.824, kbps=5737.0, horizon=3, last=1,
         scale=[1.19, 1.46, 0.88, 0.51, 1.12, 0.94, 1.24, 1.25, 1.38, 1.22, 1.26, 0.78], goal=18.8, capped=True, ends=False)
@example(rates=[100, 101, 102, 15240], capacity_s=8.0, fill=1.0, kbps=math.exp(9.5), horizon=4, last=None,
         scale=[1.0] * 11 + [1.5], goal=0.0, capped=False, ends=False)
# A buffer the cap makes alike in every future only from the room itself up, not below it (a mutant of the
# cut at 0.8 of the room, found by a random search).
@example(rates=[100, 101, 14942, 14943], capacity_s=12.0, fill=0.0, kbps=math.exp(10.5), horizon=4, last=None,
         scale=[1.0] * 7 + [1.5] + [1.0] * 4, goal=10.0, capped=True, ends=False)
def test_planner_is_exact(rates: list[int], capacity_s: float, fill: float, kbps: float, horizon: int,
                          last: int | None, scale: list[float], goal: float, capped: bool, ends: bool) -> None:
    """The plan's value is the best over all Mᴴ sequences (VBR sizes), and its first rung starts such a sequence.
    The terminal value is flat from ``goal`` up, which the planner is told."""
    sizes = tuple(tuple(r * 4000 * scale[(k * 4 + i) % 12] for i, r in enumerate(rates)) for k in range(horizon))
    state = AbrState(buffer_s=min(fill * (capacity_s - 4.0), capacity_s), buffer_capacity_s=capacity_s, segment_duration_s=4.0,
                     bitrates_kbps=tuple(float(r) for r in rates), upcoming_sizes_bits=sizes,
                     latency_s=0.08, last_rung=last, segment_index=0, segments_total=100)
    terminal = lambda b: -REBUFFER_PENALTY * max(0.0, goal - b)  # noqa: E731
    values = brute_values(state, kbps, horizon, (lambda b: 0.0) if ends else terminal, capped)
    plan = best_plan(state, kbps, horizon=horizon, terminal=None if ends else terminal, capped=capped, flat_above=goal)
    best = max(values.values())
    assert plan.value == pytest.approx(best, abs=1e-9)
    assert max(v for seq, v in values.items() if seq[0] == plan.first_rung) == pytest.approx(best, abs=1e-9)

"""The Pareto-pruned planner finds the same optimum as enumerating every rung sequence."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abr.lookahead import REBUFFER_PENALTY, plan_first_rung
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


@settings(max_examples=60, deadline=None)
@given(
    rates=st.lists(st.integers(min_value=100, max_value=6000), min_size=2, max_size=4, unique=True).map(sorted),
    buffer_s=st.floats(min_value=0, max_value=21),
    kbps=st.floats(min_value=50, max_value=8000),
    horizon=st.integers(min_value=1, max_value=3),
    last=st.none() | st.integers(min_value=0, max_value=1),
    scale=st.lists(st.floats(min_value=0.5, max_value=1.5), min_size=12, max_size=12),
    goal=st.floats(min_value=0, max_value=21),
    capped=st.booleans(),
)
def test_planner_is_exact(rates: list[int], buffer_s: float, kbps: float, horizon: int, last: int | None,
                          scale: list[float], goal: float, capped: bool) -> None:
    """The chosen first rung starts a sequence whose value equals the best over all Mᴴ sequences (VBR sizes)."""
    sizes = tuple(tuple(r * 4000 * scale[(k * 4 + i) % 12] for i, r in enumerate(rates)) for k in range(horizon))
    state = AbrState(buffer_s=buffer_s, buffer_capacity_s=25.0, segment_duration_s=4.0,
                     bitrates_kbps=tuple(float(r) for r in rates), upcoming_sizes_bits=sizes,
                     latency_s=0.08, last_rung=last, segment_index=0, segments_total=100)
    terminal = lambda b: -REBUFFER_PENALTY * max(0.0, goal - b)  # noqa: E731
    values = brute_values(state, kbps, horizon, terminal, capped)
    first = plan_first_rung(state, kbps, horizon=horizon, terminal=terminal, capped=capped)
    best = max(values.values())
    best_from_first = max(v for seq, v in values.items() if seq[0] == first)
    assert best_from_first == pytest.approx(best, abs=1e-9)

"""Conformance checks every registered algorithm must pass (the ABR interface contract)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abr import algorithms
from abr.state import AbrState, Algorithm, Phase, Progress, Sample

from abr_strategies import ladders, states

ALL = algorithms.names()


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=60, deadline=None)
@given(seq=st.lists(states(), min_size=1, max_size=6))
def test_choice_is_always_a_valid_rung(name: str, seq: list[AbrState]) -> None:
    """Whatever the state (and whatever came before), the chosen rung exists and the delay is finite."""
    algo = algorithms.by_name(name)
    for state in seq:
        d = algo.choose(state)
        assert 0 <= d.rung < state.rungs
        assert d.delay_s >= 0 and d.delay_s < float("inf")


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=40, deadline=None)
@given(rates=ladders(), cap=st.floats(min_value=8.0, max_value=60.0), phase=st.sampled_from(list(Phase)))
def test_empty_buffer_without_estimate_picks_lowest(name: str, rates: tuple[float, ...], cap: float, phase: Phase) -> None:
    """With nothing buffered and no throughput measured yet, the lowest rung is the only safe choice."""
    state = AbrState(buffer_s=0.0, buffer_capacity_s=cap, segment_duration_s=2.0, bitrates_kbps=rates,
                     phase=phase, segments_total=100)
    assert algorithms.by_name(name).choose(state).rung == 0


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=40, deadline=None)
@given(rates=ladders().filter(lambda r: len(r) >= 2), seg=st.sampled_from([2.0, 4.0]),
       index=st.integers(min_value=0, max_value=140), last=st.none() | st.integers(min_value=0, max_value=0))
def test_full_buffer_with_high_estimate_never_picks_lowest(name: str, rates: tuple[float, ...], seg: float,
                                                           index: int, last: int | None) -> None:
    """A full buffer and a throughput far above the top rung must not fetch the lowest rung."""
    high = rates[-1] * 20
    hist = tuple(Sample(bits=high * 1000.0, seconds=1.0, latency_s=0.05) for _ in range(5))
    cap = 25.0
    state = AbrState(buffer_s=cap - seg, buffer_capacity_s=cap, segment_duration_s=seg, bitrates_kbps=rates,
                     throughput_kbps=high, latency_s=0.05, history=hist, phase=Phase.STEADY, last_rung=last,
                     segment_index=index, segments_total=150)
    assert algorithms.by_name(name).choose(state).rung > 0


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=40, deadline=None)
@given(seq=st.lists(states(), min_size=1, max_size=6))
def test_deterministic_for_the_same_inputs(name: str, seq: list[AbrState]) -> None:
    """Two instances fed the same calls agree, and reset() replays identically."""
    a, b = algorithms.by_name(name), algorithms.by_name(name)
    first = [a.choose(s) for s in seq]
    assert first == [b.choose(s) for s in seq]
    a.reset()
    assert first == [a.choose(s) for s in seq]


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=40, deadline=None)
@given(state=states(), frac=st.floats(min_value=0.0, max_value=0.99), elapsed=st.floats(min_value=0.01, max_value=30))
def test_abandonment_answers_are_valid(name: str, state: AbrState, frac: float, elapsed: float) -> None:
    """An abandonment, when asked for, names an existing rung below the one in flight."""
    algo = algorithms.by_name(name)
    rung = algo.choose(state).rung
    size = state.segment_bits(0, rung)
    prog = Progress(rung=rung, size_bits=size, downloaded_bits=size * frac, elapsed_s=elapsed,
                    latency_s=min(0.08, elapsed / 2), buffer_s=max(0.0, state.buffer_s - elapsed))
    d = algo.abandon(state, prog)
    if d is not None and d.abandon:
        assert 0 <= d.rung < rung


@pytest.mark.parametrize("name", ALL)
def test_registry_builds_protocol_objects(name: str) -> None:
    """Every registered name yields a fresh object implementing the Algorithm protocol."""
    a, b = algorithms.by_name(name), algorithms.by_name(name)
    assert isinstance(a, Algorithm) and a is not b and a.name == name


def test_default_algorithm_is_registered() -> None:
    """The default the engine uses is one of the benchmarked algorithms, built by the same factory."""
    import abr

    assert abr.DEFAULT_ALGORITHM in ALL
    assert type(abr.default_algorithm()) is type(algorithms.by_name(abr.DEFAULT_ALGORITHM))


def test_unknown_name_raises_our_error() -> None:
    """An unknown name raises UnknownAlgorithmError, not KeyError."""
    from abr.errors import UnknownAlgorithmError

    with pytest.raises(UnknownAlgorithmError):
        algorithms.by_name("nope")

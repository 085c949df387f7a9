"""Hypothesis strategies for ABR states (imported by the conformance tests)."""
from __future__ import annotations

from hypothesis import strategies as st

from abr.state import AbrState, Phase, Sample


@st.composite
def ladders(draw: st.DrawFn) -> tuple[float, ...]:
    n = draw(st.integers(min_value=1, max_value=10))
    rates = sorted(set(draw(st.lists(st.integers(min_value=50, max_value=20000), min_size=n, max_size=n, unique=True))))
    return tuple(float(r) for r in rates)


samples = st.builds(
    Sample,
    bits=st.floats(min_value=1e3, max_value=1e8),
    seconds=st.floats(min_value=0.01, max_value=30.0),
    latency_s=st.floats(min_value=0.0, max_value=1.0),
)


@st.composite
def states(draw: st.DrawFn) -> AbrState:
    rates = draw(ladders())
    seg = draw(st.sampled_from([1.0, 2.0, 4.0, 6.0]))
    cap = draw(st.floats(min_value=3 * seg, max_value=60.0))
    total = draw(st.integers(min_value=2, max_value=400))
    index = draw(st.integers(min_value=0, max_value=total - 1))
    hist = tuple(draw(st.lists(samples, max_size=8)))
    has_estimate = bool(hist)
    tput = draw(st.floats(min_value=1.0, max_value=1e6)) if has_estimate else None
    vbr = draw(st.booleans())
    upcoming: tuple[tuple[float, ...], ...] = ()
    if vbr:
        k = draw(st.integers(min_value=1, max_value=6))
        upcoming = tuple(
            tuple(r * 1000 * seg * draw(st.floats(min_value=0.5, max_value=1.5)) for r in rates) for _ in range(k)
        )
    return AbrState(
        buffer_s=draw(st.floats(min_value=0.0, max_value=cap)),
        buffer_capacity_s=cap,
        segment_duration_s=seg,
        bitrates_kbps=rates,
        upcoming_sizes_bits=upcoming,
        throughput_kbps=tput,
        latency_s=draw(st.floats(min_value=0.0, max_value=1.0)) if has_estimate else None,
        history=hist,
        phase=draw(st.sampled_from(list(Phase))),
        last_rung=draw(st.none() | st.integers(min_value=0, max_value=len(rates) - 1)),
        segment_index=index,
        segments_total=draw(st.none() | st.just(total)),
    )

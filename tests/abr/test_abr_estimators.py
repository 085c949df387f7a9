"""Throughput estimators: dual EWMA, bits-weighted harmonic mean, the player's tracker."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abr.estimators import DualEwma, SlidingHarmonic, ThroughputTracker, harmonic_kbps
from abr.state import Sample


def s(kbps: float, seconds: float = 1.0, latency: float = 0.05) -> Sample:
    return Sample(bits=kbps * 1000 * seconds, seconds=seconds, latency_s=latency)


@given(kbps=st.floats(min_value=1, max_value=1e6), n=st.integers(min_value=1, max_value=20))
def test_ewma_of_a_constant_is_the_constant(kbps: float, n: int) -> None:
    """The zero-factor correction makes the estimate unbiased from the very first sample."""
    e = DualEwma()
    for _ in range(n):
        e.add(s(kbps))
    assert e.throughput_kbps == pytest.approx(kbps, rel=1e-9)


def test_ewma_takes_the_faster_half_life_on_a_drop_and_the_slower_on_a_rise() -> None:
    """min(fast, slow): a drop shows at once, a rise is trusted slowly."""
    down, up = DualEwma(), DualEwma()
    for _ in range(100):  # long enough for the start-up correction to vanish
        down.add(s(4000))
        up.add(s(1000))
    down.add(s(1000, seconds=3.0))
    up.add(s(4000, seconds=3.0))
    assert down.throughput_kbps == pytest.approx(1000 + 3000 * 0.5, rel=0.02)  # fast half-life 3 s
    slow = 0.5 ** (3 / 8)
    assert up.throughput_kbps == pytest.approx(4000 - 3000 * slow, rel=0.02)


def test_short_downloads_move_the_ewma_less() -> None:
    """A sample is weighted by its duration: a 0.1 s outlier moves the estimate less than a 3 s one."""
    short, long = DualEwma(), DualEwma()
    for e in (short, long):
        for _ in range(10):
            e.add(s(2000))
    short.add(s(100, seconds=0.1))
    long.add(s(100, seconds=3.0))
    assert long.throughput_kbps < short.throughput_kbps < 2000


def test_harmonic_is_bits_weighted_and_windowed() -> None:
    """Total bits over total seconds of the last n samples; older samples fall out."""
    h = SlidingHarmonic(window=2)
    h.add(s(100000))
    h.add(s(1000, seconds=1.0))
    h.add(s(3000, seconds=1.0))
    assert h.throughput_kbps == pytest.approx(2000)
    assert harmonic_kbps([Sample(bits=1e6, seconds=1.0), Sample(bits=1e6, seconds=3.0)]) == pytest.approx(500)


def test_tracker_ignores_tiny_downloads_and_keeps_history() -> None:
    """Downloads under min_bits are not samples; the history is bounded."""
    t = ThroughputTracker(segment_duration_s=4.0, history=3, min_bits=16000 * 8)
    t.add(Sample(bits=8000, seconds=0.5))
    assert t.throughput_kbps is None and t.history == ()
    for k in range(5):
        t.add(s(1000 + k))
    assert len(t.history) == 3 and t.history[-1].kbps == pytest.approx(1004)
    assert t.latency_s == pytest.approx(0.05)



def test_small_downloads_are_pooled_into_a_sample_once_they_weigh_enough() -> None:
    """An audio-only ladder's 8 kB segments (64 kbit) each fall under 16 kB: two of them make one sample (their bits
    over their seconds), so the ladder can climb; before, no estimate ever came and it stayed on its lowest rung."""
    t = ThroughputTracker(segment_duration_s=2.0, min_bits=16000 * 8)
    t.add(Sample(bits=64_000, seconds=0.02, latency_s=0.01))
    assert t.throughput_kbps is None
    t.add(Sample(bits=64_000, seconds=0.06, latency_s=0.01))
    assert t.history == (Sample(bits=128_000, seconds=0.08, latency_s=0.02),)
    assert t.throughput_kbps == pytest.approx(1600)

def test_samples_from_bytes() -> None:
    """A live player's (bytes, seconds) becomes bits; 125 kB in 1 s is 1000 kbit/s."""
    assert Sample.from_bytes(125_000, 1.0).kbps == pytest.approx(1000.0)

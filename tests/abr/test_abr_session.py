"""AbrSession: the state a live player builds per request, and what it does with each download."""
from __future__ import annotations

import pytest

import abr
from abr.state import Phase, Progress


def make() -> abr.AbrSession:
    return abr.AbrSession(algorithm=abr.default_algorithm(), bitrates_kbps=(300.0, 1000.0, 3000.0),
                          segment_duration_s=4.0, buffer_capacity_s=25.0, segments_total=100,
                          min_sample_bits=128_000)


def test_startup_then_steady_with_estimates_from_downloads() -> None:
    """Before any download: startup, no estimate, lowest rung; after one: steady, estimate = bits/transfer."""
    s = make()
    st = s.state(buffer_s=0.0, segment_index=0)
    assert st.phase is Phase.STARTUP and st.throughput_kbps is None
    assert s.choose(st).rung == 0
    s.downloaded(st, rung=0, bits=1_200_000, seconds=0.58, latency_s=0.08, buffer_s=4.0)
    st2 = s.state(buffer_s=4.0, segment_index=1)
    assert st2.phase is Phase.STEADY and st2.last_rung == 0
    assert st2.throughput_kbps == pytest.approx(1_200_000 / 0.5 / 1000)
    assert st2.latency_s == pytest.approx(0.08)


def test_high_buffer_and_fast_link_climbs() -> None:
    """With a fast measured link and a full buffer the default algorithm leaves the lowest rung."""
    s = make()
    st = s.state(buffer_s=0.0, segment_index=0)
    for i in range(5):
        s.downloaded(st, rung=0, bits=1_200_000, seconds=0.13, latency_s=0.03, buffer_s=4.0 * (i + 1))
    assert s.choose(s.state(buffer_s=21.0, segment_index=5)).rung == 2


def test_abandoned_downloads_are_not_samples_and_seek_resets_the_run() -> None:
    """An abandoned request neither moves the estimate nor the last rung; a seek starts a new run."""
    s = make()
    st = s.state(buffer_s=0.0, segment_index=0)
    s.downloaded(st, rung=0, bits=1_200_000, seconds=1.08, latency_s=0.08, buffer_s=4.0)
    before = s.tracker.throughput_kbps
    s.downloaded(st, rung=2, bits=100_000, seconds=3.0, latency_s=0.08, buffer_s=1.0, abandoned=True, abandon_to=0)
    assert s.tracker.throughput_kbps == before and s.last_rung == 0
    s.seek(40)
    st = s.state(buffer_s=0.0, segment_index=40)
    assert st.phase is Phase.AFTER_SEEK and st.last_rung is None and st.seek_index == 40


def test_abandon_answers_are_filtered_to_lower_rungs() -> None:
    """The session passes on an abandonment only when it names a lower rung."""
    s = make()
    st = s.state(buffer_s=0.0, segment_index=0)
    s.downloaded(st, rung=0, bits=1_200_000, seconds=0.58, latency_s=0.08, buffer_s=4.0)
    st = s.state(buffer_s=2.0, segment_index=1)
    stuck = Progress(rung=2, size_bits=12e6, downloaded_bits=50_000, elapsed_s=2.0, latency_s=0.08, buffer_s=0.5)
    d = s.abandon(st, stuck)
    assert d is not None and d.abandon and d.rung < 2
    fine = Progress(rung=2, size_bits=12e6, downloaded_bits=11e6, elapsed_s=1.0, latency_s=0.08, buffer_s=10.0)
    assert s.abandon(st, fine) is None

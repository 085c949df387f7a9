"""Trace and ladder parsing: both trace formats, the README's conversion rule, our errors only."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abr.errors import AbrError, LadderError, TraceError
from abr.ladder import parse_ladder
from abr.traces import Period, Trace, parse_trace


def test_pensieve_text_is_sample_and_hold_with_median_last_step() -> None:
    """Sample i lasts t[i+1]−t[i]; the last sample gets the median step; Mbit/s → kbit/s; 80 ms latency."""
    tr = parse_trace("0.0\t2.0\n1.0\t3.0\n3.0\t1.5\n4.0\t0.5\n")
    assert [p.duration_s for p in tr.periods] == [1.0, 2.0, 1.0, 1.0]
    assert [p.kbps for p in tr.periods] == [2000.0, 3000.0, 1500.0, 500.0]
    assert {p.latency_s for p in tr.periods} == {0.08}


def test_sabre_json_is_read_as_is() -> None:
    """Sabre periods keep their duration, bandwidth and latency."""
    tr = parse_trace('[{"duration_ms": 725, "bandwidth_kbps": 36014, "latency_ms": 20}]')
    p = tr.periods[0]
    assert (p.duration_s, p.kbps, p.latency_s) == (0.725, 36014.0, 0.02)


def test_real_files_parse(shared_dir) -> None:
    """A file of each shared set parses into a positive-rate trace."""
    root = shared_dir / "abr-traces"
    for folder in ("fcc", "hsdpa", "puffer", "oboe", "lte"):
        f = sorted((root / folder).iterdir())[0]
        tr = parse_trace(f.read_text(), name=f.name)
        assert tr.duration_s > 0 and tr.mean_kbps > 0


def test_the_window_mean_covers_the_window_and_loops_as_the_simulator_does() -> None:
    """10 s at 1000 kbit/s then 10 s at 3000, read across the step and across the loop."""
    steps = Trace(name="steps", periods=(Period(duration_s=10.0, kbps=1000.0, latency_s=0.05),
                                         Period(duration_s=10.0, kbps=3000.0, latency_s=0.05)))
    assert steps.window_mean_kbps(0.0, 10.0) == pytest.approx(1000.0)
    assert steps.window_mean_kbps(5.0, 10.0) == pytest.approx(2000.0)
    assert steps.window_mean_kbps(15.0, 10.0) == pytest.approx(2000.0)  # 5 s at 3000, then the loop's first 5 s
    assert steps.window_mean_kbps(3.0, 40.0) == pytest.approx(2000.0)
    assert steps.window_mean_kbps(57.0, 2.0) == pytest.approx(3000.0)  # the third loop, 17 s in


def test_bad_traces_raise_trace_error() -> None:
    """Garbage, empty and all-zero traces are TraceErrors."""
    for text in ("", "0.0 abc\n", "0 0\n1 0\n", "[{\"duration_ms\": 1}]", "{"):
        with pytest.raises(TraceError):
            parse_trace(text)


@given(st.text(max_size=200))
def test_any_text_yields_a_trace_or_our_error(text: str) -> None:
    """Fuzzed input never leaks a library exception."""
    try:
        parse_trace(text)
    except AbrError:
        pass


def test_ladders(shared_dir) -> None:
    """The shared ladders parse; the VBR one has real per-segment sizes; malformed ones are LadderErrors."""
    lad = parse_ladder((shared_dir / "abr-traces/ladders/pensieve_envivio_48x4s.json").read_text())
    assert lad.segments == 48 and len(lad.bitrates_kbps) == 6
    assert len({row[0] for row in lad.sizes_bits}) > 1
    for bad in ("{}", '{"segment_duration_ms": 4000, "bitrates_kbps": [2, 1], "segment_sizes_bits": [[1, 2]]}', "x"):
        with pytest.raises(LadderError):
            parse_ladder(bad)


def test_a_window_must_be_positive() -> None:
    steps = Trace(name="steps", periods=(Period(duration_s=10.0, kbps=1000.0, latency_s=0.05),))
    for seconds in (0.0, -1.0):
        with pytest.raises(ValueError):
            steps.window_mean_kbps(3.0, seconds)


def test_a_trace_started_part_way_is_the_same_loop_from_the_period_covering_that_point() -> None:
    """``started_at`` turns one log into several sessions on the same link (``abr_ablation.py --starts``)."""
    trace = Trace(name="t", periods=tuple(Period(duration_s=d, kbps=k, latency_s=0.02)
                                          for d, k in ((2.0, 1000.0), (3.0, 2000.0), (5.0, 3000.0))))
    assert trace.started_at(0.0) == trace
    late = trace.started_at(0.25)  # 2.5 s in: the second period covers it
    assert [p.kbps for p in late.periods] == [2000.0, 3000.0, 1000.0]
    assert late.duration_s == trace.duration_s and late.mean_kbps == trace.mean_kbps
    assert [p.kbps for p in trace.started_at(0.5).periods] == [3000.0, 1000.0, 2000.0]
    with pytest.raises(ValueError):
        trace.started_at(1.0)

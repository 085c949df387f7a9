"""The second QoE definition and the startup-quality metrics, on sessions worked out by hand."""
from __future__ import annotations

import math

import pytest

from abr import algorithms
from abr.ladder import Ladder
from abr.metrics import SessionResult
from abr.simulator import simulate, sustainable_rung
from abr.traces import Period, Trace

LADDER = Ladder.constant((500.0, 1000.0, 2000.0, 4000.0), segment_duration_s=4.0, segments=30)


def session(rungs: tuple[int, ...], *, stall_s: float = 0.0, early_stall_s: float = 0.0,
            sustainable: int | None = 2) -> SessionResult:
    rates = tuple(LADDER.bitrates_kbps[r] for r in rungs)
    return SessionResult(trace="t", bitrates_kbps=rates, rungs=rungs, stall_s=stall_s, stall_events=0, startup_s=1.0,
                         total_s=100.0, segment_duration_s=4.0, lowest_kbps=500.0, early_stall_s=early_stall_s,
                         sustainable_rung=sustainable)


def test_log_utility_uses_ln_of_rate_over_the_lowest_rung() -> None:
    """Rungs 0,2,2 with 1 s stall: q = 0, ln 4, ln 4; switches ln 4; (2 ln 4 − 2.66 − ln 4) / 3."""
    res = session((0, 2, 2), stall_s=1.0)
    assert res.qoe_log == pytest.approx((math.log(4) - 2.66) / 3)
    assert res.qoe_log_terms == pytest.approx((2 * math.log(4) / 3, 2.66 / 3, math.log(4) / 3))


def test_linear_qoe_terms_are_mbit_per_segment_and_make_qoe_lin() -> None:
    """Rungs 0,2,2 (0.5, 2, 2 Mbit/s) with 1 s stall: quality 4.5/3, stall 4.3/3, switches 1.5/3."""
    res = session((0, 2, 2), stall_s=1.0)
    assert res.qoe_lin_terms == pytest.approx((4.5 / 3, 4.3 / 3, 1.5 / 3))
    assert res.qoe_lin == pytest.approx((4.5 - 4.3 - 1.5) / 3)


def test_startup_below_counts_media_before_the_sustainable_rung() -> None:
    """Three segments below rung 2 before the first at rung ≥ 2: 12 s; none when the first is already there."""
    assert session((0, 1, 1, 3, 0)).startup_below_s == 12.0
    assert session((2, 0)).startup_below_s == 0.0
    assert session((0, 1)).startup_below_s == 8.0  # never reached: the whole session


def test_first_10s_qoe_covers_three_4s_chunks_and_early_stalls() -> None:
    """ceil(10 / 4) = 3 chunks: (500 + 1000 + 2000 − 1500 switch − 4300 × 0.5 stall) / 3 / 1000."""
    res = session((0, 1, 2, 3, 3), stall_s=2.0, early_stall_s=0.5)
    assert res.qoe_first_10s == pytest.approx((3500 - 1500 - 2150) / 3 / 1000)


def test_sustainable_rung_and_early_stalls_from_the_simulator() -> None:
    """A steady 2.5 Mbit/s link carries rung 2 (2 Mbit/s: 3.2 s + 80 ms per 4 s segment) but not rung 3;
    a link that dies after 2 s stalls in the first 10 s of media."""
    steady = Trace(name="s", periods=(Period(duration_s=60.0, kbps=2500.0, latency_s=0.08),))
    assert sustainable_rung(steady, LADDER) == 2
    short = Trace(name="short", periods=(Period(duration_s=10.0, kbps=1000.0, latency_s=0.08),
                                         Period(duration_s=10.0, kbps=4000.0, latency_s=0.08)))
    assert sustainable_rung(short, LADDER) == 1  # its first 30 s as played, looped: 2 Mbit/s (its own mean 2.5)
    dying = Trace(name="d", periods=(Period(duration_s=2.0, kbps=2500.0, latency_s=0.08),
                                     Period(duration_s=30.0, kbps=0.0, latency_s=0.08),
                                     Period(duration_s=60.0, kbps=2500.0, latency_s=0.08)))
    res = simulate(algorithms.by_name("throughput"), dying, LADDER)
    assert res.early_stall_s > 20.0 and res.early_stall_s <= res.stall_s

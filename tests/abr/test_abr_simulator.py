"""The simulator against hand-made traces whose answers are worked out by hand in each docstring."""
from __future__ import annotations

import pytest

from abr import algorithms
from abr.ladder import Ladder
from abr.simulator import Network, SimConfig, simulate
from abr.state import AbrState, AlgorithmBase, Decision
from abr.traces import Period, Trace


def trace(*periods: tuple[float, float], latency_s: float = 0.0) -> Trace:
    return Trace(name="t", periods=tuple(Period(duration_s=d, kbps=k, latency_s=latency_s) for d, k in periods))


def one_rung(kbps: float = 1000.0, segments: int = 6) -> Ladder:
    return Ladder.constant((kbps,), segment_duration_s=4.0, segments=segments)


class Recorder(AlgorithmBase):
    """A real algorithm (always a fixed rung) that keeps the states it was shown and the idle time."""

    name = "recorder"

    def __init__(self, rung: int = 0) -> None:
        self.rung = rung
        self.reset()

    def reset(self) -> None:
        self.states: list[AbrState] = []
        self.idle = 0.0

    def choose(self, state: AbrState) -> Decision:
        self.states.append(state)
        return Decision(rung=self.rung)

    def on_idle(self, seconds: float) -> None:
        self.idle += seconds


def test_constant_rate_has_no_stall_and_exact_startup() -> None:
    """4 Mbit segments at 2 Mbit/s take 2 s (+80 ms latency): startup 2.08 s, never a stall."""
    res = simulate(algorithms.by_name("throughput"), trace((1.0, 2000.0), latency_s=0.08), one_rung(segments=20))
    assert res.startup_s == pytest.approx(2.08)
    assert res.stall_s == 0.0 and res.stall_events == 0
    assert res.total_s == pytest.approx(2.08 + 20 * 4.0)
    assert res.qoe_lin == pytest.approx(1.0)


def test_drop_to_zero_stalls_for_the_known_time() -> None:
    """10 s at 2 Mbit/s, 30 s of nothing, then 2 Mbit/s again, no latency, 6 segments of 4 s:
    segments 0–4 arrive every 2 s (buffer 12 s at t = 10), segment 5 waits until t = 40 and arrives at
    t = 42, the buffer ran dry at t = 22: one 20 s stall; session 2 + 24 played + 20 stalled = 46 s."""
    res = simulate(algorithms.by_name("dynamic"), trace((10.0, 2000.0), (30.0, 0.0), (60.0, 2000.0)), one_rung())
    assert res.startup_s == pytest.approx(2.0)
    assert res.stall_s == pytest.approx(20.0)
    assert res.stall_events == 1
    assert res.total_s == pytest.approx(46.0)
    assert res.qoe_lin == pytest.approx((6 * 1000 - 4300 * 20.0) / 6 / 1000)


def test_spike_is_integrated_piecewise() -> None:
    """A 16 Mbit first segment over 3 s at 1 Mbit/s then a 1 s spike at 100 Mbit/s: 3 Mbit + 13 Mbit
    in 0.13 s, so startup is 3.13 s."""
    res = simulate(algorithms.by_name("bola-e"), trace((3.0, 1000.0), (1.0, 100000.0), (100.0, 1000.0)),
                   one_rung(4000.0, segments=1))
    assert res.startup_s == pytest.approx(3.13)


def test_trace_loops_when_exhausted() -> None:
    """A 1 s trace replays forever: a 2 Mbit/s loop gives the same session as a long constant trace."""
    short = simulate(Recorder(), trace((1.0, 2000.0)), one_rung(segments=30))
    long = simulate(Recorder(), trace((1000.0, 2000.0)), one_rung(segments=30))
    assert short.total_s == pytest.approx(long.total_s)
    assert short.stall_s == long.stall_s == 0.0


def test_buffer_cap_blocks_requests_and_idle_is_reported() -> None:
    """On a fast link the buffer never holds more than capacity − one segment when a request is made,
    and the time spent waiting for room is reported as idle."""
    rec = Recorder()
    res = simulate(rec, trace((1.0, 1e6)), one_rung(segments=40), SimConfig(buffer_capacity_s=25.0))
    assert max(s.buffer_s for s in rec.states) <= 21.0 + 1e-9
    assert max(s.buffer_s for s in rec.states) == pytest.approx(21.0, abs=0.01)
    assert rec.idle > 0
    assert res.stall_s == 0.0


def test_first_segment_is_lowest_and_states_carry_estimates() -> None:
    """The first segment is fetched at the lowest rung; later states carry a throughput estimate near
    the link rate (latency excluded) and the real sizes of the upcoming segments."""
    ladder = Ladder.constant((500.0, 1000.0, 3000.0), segment_duration_s=4.0, segments=10)
    rec = Recorder(rung=2)
    res = simulate(rec, trace((1.0, 5000.0), latency_s=0.08), ladder)
    assert res.rungs[0] == 0 and set(res.rungs[1:]) == {2}
    st = rec.states[0]
    assert st.throughput_kbps == pytest.approx(5000.0)
    assert st.latency_s == pytest.approx(0.08)
    assert st.upcoming_sizes_bits[0] == ladder.sizes_bits[1]


def test_abandonment_saves_a_collapsing_download() -> None:
    """When the link collapses mid-session, the throughput rule abandons the high rung it started and
    the session stalls less than the same session without abandonment."""
    ladder = Ladder.constant((300.0, 3000.0), segment_duration_s=4.0, segments=40)
    tr = trace((30.0, 8000.0), (200.0, 250.0))
    with_ab = simulate(algorithms.by_name("throughput"), tr, ladder)
    without = simulate(algorithms.by_name("throughput"), tr, ladder, SimConfig(abandonment=False))
    assert with_ab.abandons >= 1
    assert with_ab.stall_s < without.stall_s


def test_network_latency_spans_periods() -> None:
    """A 100 ms latency that starts 40 ms before a period boundary finishes 60 ms into the next one."""
    net = Network(trace((0.04, 1000.0), (1.0, 1000.0), latency_s=0.1).periods)
    assert net.latency() == pytest.approx(0.1)
    assert net.i == 1 and net.left == pytest.approx(0.94)

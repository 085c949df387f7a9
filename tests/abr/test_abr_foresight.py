"""The foresight diagnostic (``abr.foresight``): it reads the trace where the simulator is, and with the
link's next seconds known the default's controller climbs before its estimate lets it."""
from __future__ import annotations

import math

import pytest

from abr.foresight import LAST_16_S, Foresighted, PastPredicted, past_log_means
from abr.ladder import netflix10
from abr.reelbox_r2 import ReelboxR2
from abr.simulator import SimConfig, simulate
from abr.state import AbrState, Decision, DownloadResult
from abr.traces import Period, Trace


def two_steps(low_s: float = 10.0, high_s: float = 10.0, low: float = 1000.0, high: float = 3000.0) -> Trace:
    return Trace(name="steps", periods=(Period(duration_s=low_s, kbps=low, latency_s=0.05),
                                        Period(duration_s=high_s, kbps=high, latency_s=0.05)))


class Recorded(Foresighted):
    last_buffer_s = 0.0

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        super().on_download(state, result)
        self.last_buffer_s = result.buffer_s


def test_its_clock_is_the_simulators_clock() -> None:
    """The session lasts until the last segment's download ends, plus the buffer then left to play out:
    the diagnostic's clock must have counted every request and every wait for room (a 10 s buffer on a
    fast link waits often)."""
    trace = two_steps(low_s=7.3, high_s=4.1, low=2500.0, high=9000.0)
    algo = Recorded(trace, window_s=8.0)
    result = simulate(algo, trace, netflix10(), SimConfig(buffer_capacity_s=10.0))
    assert result.total_s == pytest.approx(algo.clock_s + algo.last_buffer_s, abs=1e-6)


def test_knowing_the_link_will_rise_it_climbs_before_the_estimate_lets_the_default() -> None:
    """60 s at 1.2 Mbit/s, then 6 Mbit/s: at 25 s of buffer the foresighted player spends its buffer on
    higher rungs before the rise, which the default cannot see coming."""
    trace = two_steps(low_s=60.0, high_s=600.0, low=1200.0, high=6000.0)
    ladder, config = netflix10(), SimConfig(buffer_capacity_s=25.0)
    default = simulate(ReelboxR2(), trace, ladder, config)
    ahead = simulate(Foresighted(trace, window_s=20.0), trace, ladder, config)
    assert ahead.stall_s == default.stall_s == 0.0
    assert sum(ahead.bitrates_kbps[:15]) > sum(default.bitrates_kbps[:15])


def test_noise_on_the_known_future_repeats_run_to_run_and_costs_the_controller() -> None:
    """The noise is seeded by the trace's name: the same session twice is the same session; a large noise
    on a link that swings between two rungs leaves the controller switching more than the clean future does."""
    trace = Trace(name="swing", periods=tuple(
        Period(duration_s=6.0, kbps=kbps, latency_s=0.05) for kbps in (2600.0, 1700.0, 3200.0, 1500.0) * 5))
    ladder, config = netflix10(), SimConfig(buffer_capacity_s=25.0)
    noisy = [simulate(Foresighted(trace, noise=0.4), trace, ladder, config) for _ in range(2)]
    clean = simulate(Foresighted(trace), trace, ladder, config)
    assert noisy[0].rungs == noisy[1].rungs
    assert noisy[0].switches > clean.switches


def test_the_past_means_are_clipped_at_the_sessions_start() -> None:
    """15 s into 10 s at 1000 kbit/s then 20 s at 3000: the last second 3000, the last 10 s 2000, and 64 s
    asked for reads the 15 s there are, (10 × 1000 + 5 × 3000) / 15."""
    logs = past_log_means(two_steps(high_s=20.0), 15.0, windows=(1.0, 10.0, 64.0))
    assert logs == pytest.approx([math.log(3000.0), math.log(2000.0), math.log(25000.0 / 15.0)])


class PastLogged(PastPredicted):
    """Plans on the past 16 s and logs the clock at each request."""

    def __init__(self, trace: Trace) -> None:
        self.clocks: list[float] = []
        super().__init__(trace, lambda logs: logs[LAST_16_S])

    def choose(self, state: AbrState) -> Decision:
        self.clocks.append(self.clock_s)
        return super().choose(state)


def test_a_prediction_from_the_past_reads_no_future() -> None:
    """Two links alike for their first 60 s: planning on the past, the sessions agree on every request made
    before 60 s and then part; knowing the next 20 s, they part before."""
    rise, flat = two_steps(low_s=60.0, high_s=600.0, low=1200.0, high=6000.0), two_steps(
        low_s=60.0, high_s=600.0, low=1200.0, high=1200.0)
    ladder, config = netflix10(), SimConfig(buffer_capacity_s=25.0)
    on_rise, on_flat = PastLogged(rise), PastLogged(flat)
    past = [simulate(algo, trace, ladder, config).rungs for algo, trace in ((on_rise, rise), (on_flat, flat))]
    before = sum(clock < 60.0 for clock in on_flat.clocks)
    assert past[0][:before] == past[1][:before] and past[0] != past[1]
    future = [simulate(Foresighted(trace), trace, ladder, config).rungs for trace in (rise, flat)]
    assert future[0][:before] != future[1][:before]

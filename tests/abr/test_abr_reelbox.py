"""The default algorithm's three round-two behaviours: a fast, safe startup; abandonment that does not
oscillate; a reserve sized by the link rather than by the buffer."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from abr.bench import load_ladder, trace_files
from abr.ladder import NETFLIX10_KBPS, Ladder
from abr.metrics import SessionResult
from abr.reelbox_r2 import ReelboxR2 as Reelbox  # round two, the default (abr/reelbox_r2.py)
from abr.simulator import SimConfig, simulate
from abr.state import AbrState, DownloadResult, Progress, Sample
from abr.traces import Period, Trace, parse_trace

LADDER = Ladder.constant(NETFLIX10_KBPS, segment_duration_s=4.0, segments=60)


def steady(kbps: float) -> Trace:
    return Trace(name="steady", periods=(Period(duration_s=1000.0, kbps=kbps, latency_s=0.08),))


@pytest.mark.parametrize("kbps", [700.0, 1000.0, 3000.0, 5000.0, 8000.0])
@pytest.mark.parametrize("buffer_s", [10.0, 25.0, 60.0])
def test_steady_link_reaches_the_sustainable_rung_after_one_segment(kbps: float, buffer_s: float) -> None:
    """On a steady link at most the first (forced lowest) segment plays below the sustainable rung,
    and the climb costs no stall."""
    res = simulate(Reelbox(), steady(kbps), LADDER, SimConfig(buffer_capacity_s=buffer_s))
    assert res.startup_below_s <= 4.0, res.rungs[:6]
    assert res.stall_s == 0.0


def dips_trace() -> Trace:
    """8 Mbit/s with a 1.5 s dip to 300 kbit/s every 20 s."""
    periods: list[Period] = []
    for _ in range(40):
        periods += [Period(duration_s=18.5, kbps=8000.0, latency_s=0.04), Period(duration_s=1.5, kbps=300.0, latency_s=0.04)]
    return Trace(name="dips", periods=tuple(periods))


@pytest.mark.parametrize("buffer_s", [10.0, 25.0])
def test_brief_dips_cost_no_stall_and_a_short_hold_beats_a_long_one(buffer_s: float) -> None:
    """On brief dips the abandoned rung is closed for the refetch only: no stall, a high rung most of
    the time, and a higher QoE_lin than holding it closed for three downloads.  At 10 s the climb back
    after each dip needs only the buffer-only margin (``recover``), so the falls term does not slow it:
    4.7 Mbit/s on average (session 7's default, without ``recover``, 4.1).  (At 25 s the default waits
    these dips out and abandons nothing: see the patience test below.)  Rule 13 is off: what is measured
    is the hold after an abandonment, and rule 13 lets some of these transfers finish instead."""
    res = simulate(Reelbox(patience=0.0, abandon_segments=0), dips_trace(), LADDER, SimConfig(buffer_capacity_s=buffer_s))
    longer = simulate(Reelbox(hold=3, patience=0.0, abandon_segments=0), dips_trace(), LADDER,
                      SimConfig(buffer_capacity_s=buffer_s))
    assert res.stall_s == 0.0, res.rungs
    assert res.avg_bitrate_kbps > 4500.0
    assert res.qoe_lin > longer.qoe_lin


def state_with(history: tuple[Sample, ...], *, capacity: float = 25.0, buffer_s: float = 10.0) -> AbrState:
    kbps = sum(s.bits for s in history) / sum(s.seconds for s in history) / 1000.0
    return AbrState(buffer_s=buffer_s, buffer_capacity_s=capacity, segment_duration_s=4.0,
                    bitrates_kbps=NETFLIX10_KBPS, throughput_kbps=kbps, latency_s=0.08, history=history, last_rung=9,
                    segment_index=len(history), segments_total=150)


def test_an_abandoned_transfer_is_a_sample_and_closes_the_rung_for_a_while() -> None:
    """Until the refetch completes the prediction is the abandoned transfer's own rate (the buffer is
    already drained); after it, the partial transfer is one more transfer in the window (weighted by its
    time, not a cap).  The rung abandoned stays closed for ``hold`` completed downloads, then opens again."""
    fast = tuple(Sample(bits=23.2e6, seconds=2.9, latency_s=0.08) for _ in range(5))
    algo = Reelbox(hold=2)
    st = state_with(fast)
    before = algo.predict(st)
    algo.on_download(st, DownloadResult(rung=9, bits=1e6, seconds=2.08, latency_s=0.08, abandoned=True, abandon_to=2,
                                        buffer_s=4.0))
    assert before is not None
    assert algo.predict(st) == pytest.approx(1e6 / 2.0 / 1000.0)
    rungs = []
    for k in range(3):
        st = state_with(fast + (Sample(bits=23.2e6, seconds=2.9, latency_s=0.08),) * k, buffer_s=20.0)
        rungs.append(algo.choose(st).rung)
        algo.on_download(st, DownloadResult(rung=rungs[-1], bits=8e6, seconds=1.0, latency_s=0.08, abandoned=False,
                                            abandon_to=None, buffer_s=20.0))
        if k == 0:
            after = algo.predict(st)
            assert after == pytest.approx((5 * 23.2e6 + 1e6) / (5 * 2.9 + 2.0) / 1000.0)
            assert after is not None and after < before
    assert max(rungs[:2]) <= 8
    assert rungs[2] == 9


def test_reserve_follows_the_link_not_the_buffer_size() -> None:
    """With a 60 s buffer a steady link keeps a reserve far below 0.7 × capacity; a bursty link keeps
    more than a steady one; a 10 s buffer keeps under its own room."""
    algo = Reelbox()
    steady_hist = tuple(Sample(bits=8e6, seconds=2.0, latency_s=0.08) for _ in range(8))
    bursty_hist = tuple(Sample(bits=8e6, seconds=s, latency_s=0.08) for s in (0.5, 4.0, 1.0, 6.0, 0.8, 3.0, 0.6, 5.0))
    assert algo.reserve_s(state_with(steady_hist, capacity=60.0)) < 0.3 * 56.0
    assert algo.reserve_s(state_with(bursty_hist, capacity=60.0)) > algo.reserve_s(state_with(steady_hist, capacity=60.0))
    assert algo.reserve_s(state_with(bursty_hist, capacity=10.0)) < 6.0


def test_hold_zero_closes_no_rung() -> None:
    """``hold=0`` means no hysteresis: the refetch stays at or below the rung the abandonment chose (as in
    the engine), and the next segment may go straight back to the top."""
    fast = tuple(Sample(bits=23.2e6, seconds=2.9, latency_s=0.08) for _ in range(5))
    algo = Reelbox(hold=0)
    st = state_with(fast, buffer_s=20.0)
    algo.on_download(st, DownloadResult(rung=9, bits=1e6, seconds=0.2, latency_s=0.08, abandoned=True, abandon_to=2,
                                        buffer_s=20.0))
    assert algo.choose(st).rung <= 2
    algo.on_download(st, DownloadResult(rung=2, bits=2.24e6, seconds=0.3, latency_s=0.08, abandoned=False,
                                        abandon_to=None, buffer_s=23.0))
    assert algo.choose(state_with(fast, buffer_s=23.0)).rung == 9


def test_a_partial_sample_expires_after_the_window_even_in_a_long_session() -> None:
    """The player's history is a bounded window (20 samples); a partial transfer must still leave the
    prediction after five more completed downloads, also 30 segments into a session (it once stayed
    for good, and a bursty Puffer session sank to the lowest rungs)."""
    fast = tuple(Sample(bits=8e6, seconds=1.0, latency_s=0.08) for _ in range(20))  # a full window
    algo = Reelbox()
    st = state_with(fast, buffer_s=20.0)
    algo.on_download(st, DownloadResult(rung=9, bits=1e4, seconds=2.08, latency_s=0.08, abandoned=True, abandon_to=0,
                                        buffer_s=18.0))
    algo.on_download(st, DownloadResult(rung=0, bits=8e6, seconds=1.08, latency_s=0.08, abandoned=False,
                                        abandon_to=None, buffer_s=20.0))
    assert algo.predict(st) == pytest.approx((5 * 8e6 + 1e4) / (5 * 1.0 + 2.0) / 1000.0)
    for _ in range(4):
        algo.on_download(st, DownloadResult(rung=5, bits=8e6, seconds=1.08, latency_s=0.08, abandoned=False,
                                            abandon_to=None, buffer_s=20.0))
    assert algo.predict(st) == pytest.approx(8000.0)


def test_the_reserve_remembers_a_fade_the_recent_window_no_longer_shows() -> None:
    """A link that faded deeply once and then ran steady for eight transfers keeps a larger reserve
    than one that was always steady (Puffer's fades are minutes apart; a short window forgets them)."""
    steady_hist = tuple(Sample(bits=8e6, seconds=2.0, latency_s=0.08) for _ in range(8))
    faded, always = Reelbox(), Reelbox()
    st = state_with(steady_hist, capacity=60.0)
    for algo, rates in ((faded, [4000.0, 50.0, 4000.0] + [4000.0] * 8), (always, [4000.0] * 11)):
        for kbps in rates:
            algo.on_download(st, DownloadResult(rung=5, bits=kbps * 1000.0 * 2.0, seconds=2.08, latency_s=0.08,
                                                abandoned=False, abandon_to=None, buffer_s=20.0))
    assert faded.variability(st) > 0.25 > always.variability(st)
    assert faded.reserve_s(st) > always.reserve_s(st) + 5.0
    assert Reelbox(long_memory=False).variability(st) == always.variability(st)


def test_the_startup_phase_ends_even_where_the_reserve_is_never_reached() -> None:
    """On a link that barely carries the lowest rungs the buffer never reaches the reserve; after
    ``startup_segments`` downloads the plan is charged the whole reserve and no longer follows the link
    upwards (at 60 s on such a Puffer session round two stalled 19 s where round one did not)."""
    hist = tuple(Sample(bits=1.6e6, seconds=4.0, latency_s=0.08) for _ in range(5))  # 400 kbit/s
    algo = Reelbox(startup_segments=2)
    st = state_with(hist, capacity=60.0, buffer_s=6.0)
    st = AbrState(**{**st.__dict__, "last_rung": 0})
    first = algo.choose(st).rung
    for _ in range(2):
        algo.on_download(st, DownloadResult(rung=0, bits=1.6e6, seconds=4.08, latency_s=0.08, abandoned=False,
                                            abandon_to=None, buffer_s=6.0))
    assert first >= 1  # still starting: the rung the link carries
    assert algo.choose(st).rung == 0  # the reserve is owed now


def wave_trace(first: float, second: float, period_s: float) -> Trace:
    """A link that swings between two rates every ``period_s``, starting at ``first``."""
    periods: list[Period] = []
    for _ in range(80):
        periods += [Period(duration_s=period_s, kbps=first, latency_s=0.08),
                    Period(duration_s=period_s, kbps=second, latency_s=0.08)]
    return Trace(name="wave", periods=tuple(periods))


def test_at_a_small_buffer_an_up_switch_must_survive_a_lower_estimate() -> None:
    """On a link swinging 2.6/1.9 Mbit/s every 2 s, a 10 s buffer without the up-switch margin climbs
    to 2.35 Mbit/s and falls back every few segments (36 switches in 60); with it the player stays at
    1.75 Mbit/s, without a stall and within 1 % of the QoE_lin."""
    trace, config = wave_trace(2600.0, 1900.0, 2.0), SimConfig(buffer_capacity_s=10.0)
    damped = simulate(Reelbox(), trace, LADDER, config)
    free = simulate(Reelbox(up_margin=0.0, margin_drop=0.0, min_margin=0.0, patience=0.0), trace, LADDER, config)
    assert damped.switches <= 3 < 20 < free.switches, (damped.rungs, free.rungs)
    assert damped.stall_s == 0.0
    assert damped.qoe_lin > 0.99 * free.qoe_lin


def test_the_up_switch_margin_shrinks_as_the_buffer_grows_down_to_the_estimates_noise() -> None:
    """The margin is the share of the buffer's room one segment takes: a large buffer absorbs a wrong
    step up, so it asks for less (0.1 at 10 s with 4 s segments, 0.011 at 60 s), but never less than
    ``min_margin`` (5 %): a deep buffer does not make the estimate less noisy."""
    algo = Reelbox()
    small, mid, large = (state_with((Sample(bits=8e6, seconds=2.0),), capacity=c) for c in (10.0, 16.0, 60.0))
    assert algo.margin(small) == pytest.approx(0.1)
    assert algo.margin(mid) == pytest.approx(0.05)  # 0.15 × 4 / 12 = 0.05: where the floor takes over
    assert algo.margin(large) == pytest.approx(0.05)
    assert Reelbox(min_margin=0.0).margin(large) == pytest.approx(0.15 * 4.0 / 56.0)
    assert Reelbox(up_margin=0.0, margin_drop=0.0, min_margin=0.0).margin(small) == 0.0


def noisy_trace(mean_kbps: float, spread: float, seed: int) -> Trace:
    """A link whose rate is drawn every 2 s evenly within ±``spread`` of its mean (a fixed LCG)."""
    periods: list[Period] = []
    x = seed
    for _ in range(400):
        x = (x * 1103515245 + 12345) % 2**31
        periods.append(Period(duration_s=2.0, kbps=mean_kbps * (1.0 + spread * (2.0 * x / 2**31 - 1.0)),
                              latency_s=0.08))
    return Trace(name="noisy", periods=tuple(periods))


def test_a_deep_buffer_does_not_step_up_at_every_wobble_of_the_estimate() -> None:
    """At 60 s on a link wobbling ±20 % around 3.6 Mbit/s (between two rungs), the 5 % floor on the
    margin switches a quarter less than session 10's 1 % margin, for a higher QoE_lin (the same change
    took Puffer at 60 s under RobustMPC's switches)."""
    ladder, config = Ladder.constant(NETFLIX10_KBPS, segment_duration_s=4.0, segments=75), SimConfig(buffer_capacity_s=60.0)
    floored = [simulate(Reelbox(), noisy_trace(3600.0, 0.2, seed), ladder, config) for seed in (1, 2, 3)]
    thin = [simulate(Reelbox(min_margin=0.0), noisy_trace(3600.0, 0.2, seed), ladder, config) for seed in (1, 2, 3)]
    assert sum(r.switches for r in floored) <= 0.8 * sum(r.switches for r in thin), (
        [r.switches for r in floored], [r.switches for r in thin])
    assert sum(r.qoe_lin for r in floored) > sum(r.qoe_lin for r in thin)
    assert all(r.stall_s == 0.0 for r in floored)


def bursty_trace(seed: int) -> Trace:
    """A link that jumps every 3 s to a rate drawn evenly from 0.8–6 Mbit/s (a fixed LCG, so the test
    is repeatable): its mean is a rung, its samples are not."""
    periods: list[Period] = []
    x = seed
    for _ in range(200):
        x = (x * 1103515245 + 12345) % 2**31
        periods.append(Period(duration_s=3.0, kbps=800.0 + 5200.0 * x / 2**31, latency_s=0.08))
    return Trace(name="bursty", periods=tuple(periods))


def test_on_a_link_that_falls_often_a_small_buffer_asks_more_of_an_up_switch() -> None:
    """At 10 s on bursty links the margin grows with the link's falls: under half the switches of the
    buffer-only margin (52 against 124 over four links of 60 segments) and, without rule 12, less stalling
    (0.11 s against 0.63 s).  Session 8's weight (``margin_drop``) is heavier than session 7's 4, which
    switched 90 times here.  Rule 12's climbs after a rise stall 0.52 s on these links, whose rises do not
    last (abr/README.md, session 30), so the stall ordering is rule 5's without it."""
    config = SimConfig(buffer_capacity_s=10.0)

    def runs(**kw: float) -> list[SessionResult]:
        return [simulate(Reelbox(**kw), bursty_trace(seed), LADDER, config) for seed in (1, 2, 3, 4)]

    damped, flat, lighter = runs(), runs(margin_drop=0.0), runs(margin_drop=4.0)
    assert sum(r.switches for r in damped) <= 0.7 * sum(r.switches for r in lighter)
    assert sum(r.switches for r in damped) <= 0.5 * sum(r.switches for r in flat)
    damped, flat, lighter = runs(rise=0), runs(margin_drop=0.0, rise=0), runs(margin_drop=4.0, rise=0)
    assert sum(r.stall_s for r in damped) <= sum(r.stall_s for r in lighter) <= sum(r.stall_s for r in flat)


def test_a_deep_buffer_plans_further_ahead() -> None:
    """At 60 s the plan looks 8 segments ahead (half the buffer) instead of 5: on bursty links a third fewer
    switches and a higher QoE_lin, no more stalling (on Puffer at 60 s: switches 44 -> 32, QoE_lin +0.08);
    at 10 and 25 s with 4 s segments it stays at 5.  (Measured without rules 11 and 14, which also lengthen
    stays: with rule 14 the five-segment plan switches 51 times here instead of 54, the eight-segment one 40.)"""
    ladder, config = Ladder.constant(NETFLIX10_KBPS, segment_duration_s=4.0, segments=75), SimConfig(buffer_capacity_s=60.0)
    far = [simulate(Reelbox(fill_segments=0, flip_margin=0), bursty_trace(seed), ladder, config) for seed in (1, 2, 3)]
    near = [simulate(Reelbox(horizon_max=5, fill_segments=0, flip_margin=0), bursty_trace(seed), ladder, config)
            for seed in (1, 2, 3)]
    assert sum(r.switches for r in far) <= 0.75 * sum(r.switches for r in near), (
        [r.switches for r in far], [r.switches for r in near])
    assert sum(r.qoe_lin for r in far) > sum(r.qoe_lin for r in near)
    assert sum(r.stall_s for r in far) <= sum(r.stall_s for r in near)
    horizons = [Reelbox().plan_horizon(AbrState(buffer_s=0.0, buffer_capacity_s=cap, segment_duration_s=seg,
                                                bitrates_kbps=NETFLIX10_KBPS)) for cap, seg in ((10, 4), (25, 4), (60, 4), (60, 3))]
    assert horizons == [5, 5, 8, 8]


def rates_history(kbps: list[float]) -> tuple[Sample, ...]:
    return tuple(Sample(bits=k * 2000.0, seconds=2.0, latency_s=0.08) for k in kbps)


def test_a_link_that_improves_adds_nothing_to_the_margin() -> None:
    """Only falls count: a link climbing from 0.6 to 3 Mbit/s has a large coefficient of variation
    (session 6's term held such a link at 551 kbit/s in the real engine at a 6 s buffer) but no falls,
    so its margin is the buffer-only one, and a simulated session on it plays the same rungs as without
    the term."""
    rising = state_with(rates_history([600.0, 600.0, 1200.0, 2400.0, 3000.0, 3000.0]), capacity=6.0)
    assert Reelbox(long_memory=False).variability(rising) > 0.5
    assert Reelbox().drops(rising) == 0.0
    assert Reelbox().margin(rising) == Reelbox(margin_drop=0.0).margin(rising)
    trace = Trace(name="step", periods=(Period(duration_s=7.0, kbps=600.0, latency_s=0.02),
                                        Period(duration_s=1000.0, kbps=3000.0, latency_s=0.02)))
    ladder, config = Ladder.constant(NETFLIX10_KBPS, segment_duration_s=2.0, segments=60), SimConfig(buffer_capacity_s=6.0)
    res = simulate(Reelbox(), trace, ladder, config)
    assert res.rungs == simulate(Reelbox(margin_drop=0.0), trace, ladder, config).rungs
    assert res.bitrates_kbps[-1] > 2000.0


def test_one_deep_dip_counts_less_than_a_link_that_falls_often() -> None:
    """Each fall is capped at half the rate: one brief 96 % dip in eight transfers (which abandonment
    handles) weighs less than a link falling 40 % every other transfer, and at 60 s the term is nil."""
    dip = state_with(rates_history([8000.0] * 4 + [300.0] + [8000.0] * 3), capacity=10.0)
    often = state_with(rates_history([5000.0, 3000.0] * 4), capacity=10.0)
    algo = Reelbox(climb_first=False)  # the falls term from the first download (see the climb test)
    assert algo.drops(dip) == pytest.approx(0.5 / 7)
    assert algo.drops(often) == pytest.approx(0.4 * 4 / 7)
    assert algo.margin(often) > algo.margin(dip) + 0.1
    large = state_with(rates_history([5000.0, 3000.0] * 4), capacity=60.0)
    assert algo.margin(large) - Reelbox(margin_drop=0.0).margin(large) < 0.02


def test_a_full_buffer_waits_out_a_brief_dip_before_abandoning() -> None:
    """Abandonment measures a transfer for ``patience`` × the buffer² before trusting its rate: at 25 s a
    1.5 s dip in 8 Mbit/s is waited out (no abandonment instead of 7 refetches, 1 switch instead of 15,
    no stall), while at 10 s (about the old 0.25 s look) nothing changes.  Rule 13 is off (it would
    keep the eager player from abandoning with a segment or more buffered)."""
    full, eager = (simulate(Reelbox(patience=p, abandon_segments=0), dips_trace(), LADDER, SimConfig(buffer_capacity_s=25.0))
                   for p in (0.015, 0.0))
    assert full.abandons <= 1 < 5 <= eager.abandons
    assert full.switches * 2 <= eager.switches
    assert full.stall_s == eager.stall_s == 0.0
    assert full.qoe_lin > eager.qoe_lin
    small = [simulate(Reelbox(patience=p, abandon_segments=0), dips_trace(), LADDER, SimConfig(buffer_capacity_s=10.0))
             for p in (0.015, 0.0)]
    assert small[0].rungs == small[1].rungs


def crawling(algo: Reelbox, elapsed_s: float, buffer_s: float, capacity: float,
             rates: tuple[float, ...] = (8000.0,) * 5) -> bool:
    """Whether ``algo`` gives up a top-rung download crawling at 300 kbit/s for ``elapsed_s`` with ``buffer_s``
    left, after transfers at ``rates``."""
    st = state_with(rates_history(list(rates)), capacity=capacity, buffer_s=buffer_s + elapsed_s)
    progress = Progress(rung=9, size_bits=23.2e6, downloaded_bits=300e3 * elapsed_s, elapsed_s=elapsed_s + 0.04,
                        latency_s=0.04, buffer_s=buffer_s)
    return algo.abandon(st, progress) is not None


def test_a_deep_buffer_waits_out_a_fade_it_can_afford() -> None:
    """The wait before a transfer's own rate is trusted grows with the buffer, not with its fill: with 40 s
    buffered at 60 s, a download crawling at 300 kbit/s for 6 s is still waited on (96 s), where session 7's fill-weighted wait (0.15 × fill × buffer, 4 s) gave it up and refetched low:
    on Puffer at 60 s that refetch was three in four of the large drops.  With 8 s buffered the look is
    about a second at any capacity, as it was at 10 s.  (The link was steady, so rule 13 does not apply.)"""
    algo = Reelbox()
    assert not crawling(algo, 6.0, 40.0, 60.0)
    assert crawling(algo, 30.0, 10.0, 60.0)  # the fade outlasted the wait: give up before the buffer runs dry
    assert not crawling(algo, 0.5, 8.0, 10.0) and crawling(algo, 1.5, 8.0, 10.0)
    assert not crawling(algo, 0.5, 8.0, 60.0) and crawling(algo, 1.5, 8.0, 60.0)


def test_on_a_swinging_link_a_late_transfer_is_given_up_only_with_its_last_segment_buffered() -> None:
    """Rule 13: on a link that swings (variability 0.4 or more), a transfer projected to outlast the buffer
    is left to finish while a segment or more is buffered (4 s here), and given up below that; on a steady
    link that drops, at once.  On the 8 Mbit/s link with 1.5 s dips at 10 s, a third of the transfers the
    dips caught finish once the dip is over (the first dips find a link that has not swung yet): 15
    abandonments instead of 22, QoE_lin 3.13 against 2.55, no stall either way."""
    swinging = (8000.0, 3000.0) * 3  # variability 0.45; crawling's default history is steady (0)
    assert not crawling(Reelbox(), 2.0, 4.5, 10.0, swinging) and crawling(Reelbox(), 2.0, 3.5, 10.0, swinging)
    assert crawling(Reelbox(), 2.0, 4.5, 10.0)
    assert crawling(Reelbox(abandon_segments=0), 2.0, 4.5, 10.0, swinging)
    assert crawling(Reelbox(abandon_cv=0.5), 2.0, 4.5, 10.0, swinging)
    config = SimConfig(buffer_capacity_s=10.0)
    late, eager = (simulate(Reelbox(abandon_segments=a), dips_trace(), LADDER, config) for a in (1.0, 0.0))
    assert late.abandons + 5 <= eager.abandons
    assert late.qoe_lin > eager.qoe_lin + 0.4
    assert late.stall_s == eager.stall_s == 0.0


def test_the_refetch_is_capped_at_the_rung_abandonment_chose() -> None:
    """After an abandonment the plan may not pick a rung above the one the abandonment rule stepped down
    to, as in the engine (``player.scheduling.video_loop``); the cap lifts once a download completes.
    Without it the simulator refetched a rung the same rule gave up again a moment later."""
    fast = tuple(Sample(bits=23.2e6, seconds=2.9, latency_s=0.08) for _ in range(5))
    algo = Reelbox()
    st = state_with(fast, buffer_s=20.0)
    algo.on_download(st, DownloadResult(rung=9, bits=8e6, seconds=2.08, latency_s=0.08, abandoned=True, abandon_to=2,
                                        buffer_s=18.0))
    assert Reelbox().pick(st, 4000.0) > 2  # what the plan alone would refetch at the abandoned rate
    assert algo.choose(st).rung == 2
    algo.on_download(st, DownloadResult(rung=2, bits=2.24e6, seconds=0.6, latency_s=0.08, abandoned=False,
                                        abandon_to=None, buffer_s=21.0))
    assert algo.choose(state_with(fast, buffer_s=21.0)).rung > 2


def test_the_falls_term_waits_until_the_climb_is_done() -> None:
    """With ``climb_first`` the falls term of the up-switch margin starts only once a download completed
    at the rung the link's mean carries.  On a link swinging 3.0/1.8 Mbit/s every 2 s (mean 2.4, the
    2.35 Mbit/s rung) at 10 s, the term held the player at 1.75 Mbit/s for the whole session (224 s of
    media below that rung); waiting for the climb reaches it after 16 s, with no stall and no more
    switches.  Once climbed, the margin is the full one again."""
    trace, config = wave_trace(3000.0, 1800.0, 2.0), SimConfig(buffer_capacity_s=10.0)
    climbing = Reelbox()
    first = simulate(climbing, trace, LADDER, config)
    always = simulate(Reelbox(climb_first=False), trace, LADDER, config)
    assert first.startup_below_s <= 16.0 < 100.0 < always.startup_below_s, (first.rungs, always.rungs)
    assert first.stall_s == always.stall_s == 0.0
    assert first.switches <= always.switches
    assert first.qoe_lin > always.qoe_lin
    falling = state_with(rates_history([3000.0, 1800.0] * 4), capacity=10.0)
    assert climbing.margin(falling) == pytest.approx(Reelbox(climb_first=False).margin(falling))
    assert Reelbox().margin(falling) == pytest.approx(Reelbox(margin_drop=0.0).margin(falling))


def test_after_a_brief_dip_the_climb_back_needs_only_the_buffer_only_margin() -> None:
    """An abandonment's refetch is a fall in the history, and with session 8's falls weight the climb
    back after each dip of the 8 Mbit/s link at 10 s would be held: 2.3 Mbit/s on average without
    ``recover``.  With it the player climbs back to the rung it abandoned within two downloads: 4.7
    Mbit/s, fewer switches, no stall.  (Rule 13 off: it lets some of those transfers finish; rule 15 off:
    the link's dips flip it, and its climb follows the slowest recent transfer whatever ``recover`` says.)"""
    config = SimConfig(buffer_capacity_s=10.0)
    back, held = (simulate(Reelbox(recover=r, abandon_segments=0, swing_flips=0), dips_trace(), LADDER, config)
                  for r in (True, False))
    assert back.avg_bitrate_kbps > 4500.0 > 2500.0 > held.avg_bitrate_kbps
    assert back.switches < held.switches
    assert back.stall_s == held.stall_s == 0.0


BBB_KBPS = (230.0, 331.0, 477.0, 688.0, 991.0, 1427.0, 2056.0, 2962.0, 5027.0, 6000.0)


def bbb_state(buffer_s: float) -> AbrState:
    """60 s of capacity, the sabre_bbb_3s rates, eight 2 Mbit/s transfers, rung 8 playing."""
    history = tuple(Sample(bits=6e6, seconds=3.0, latency_s=0.08) for _ in range(8))
    return AbrState(buffer_s=buffer_s, buffer_capacity_s=60.0, segment_duration_s=3.0, bitrates_kbps=BBB_KBPS,
                    throughput_kbps=2000.0, latency_s=0.08, history=history, last_rung=8, segment_index=8,
                    segments_total=200)


@pytest.mark.parametrize("buffer_s", [4.0, 6.0])
def test_after_an_over_prediction_the_next_download_must_fit_the_buffer_at_the_lowered_estimate(buffer_s: float) -> None:
    """The plan trusts the estimate; the next download must also fit the buffer at the estimate lowered
    by the largest recent over-prediction (here a transfer measured 35 % under what was predicted).
    The same state without that error keeps the plan's rung, and ``robust_first=0`` ignores it."""
    state = bbb_state(buffer_s)

    planned, careful, ignored = (Reelbox().choose(state).rung, after_miss(Reelbox(), state),
                                 after_miss(Reelbox(robust_first=0.0), state))
    low_bps = 2e6 / 1.35
    assert careful < planned == ignored
    assert 0.08 + state.segment_bits(0, careful) / low_bps <= buffer_s < 0.08 + state.segment_bits(0, careful + 1) / low_bps


def after_miss(algo: Reelbox, state: AbrState, slower: float = 1.35) -> int:
    """The rung chosen in ``state`` after a transfer took ``slower`` × the time the 2 Mbit/s predicted."""
    algo.choose(bbb_state(12.0))
    algo.on_download(state, DownloadResult(rung=8, bits=15e6, seconds=0.08 + 15e6 * slower / 2e6, latency_s=0.08,
                                           abandoned=False, abandon_to=None, buffer_s=10.0))
    return algo.choose(state).rung


def test_with_the_reserve_in_the_buffer_the_plan_alone_decides() -> None:
    """Above the reserve the plan's own cushion is there: a transfer at 40 % of the predicted rate changes
    nothing, though the check applied at every level would step down (it cost QoE_lin at 10 s buffers,
    where it bound on nearly every dip)."""
    probe = Reelbox()
    after_miss(probe, bbb_state(12.0), slower=2.5)
    state = bbb_state(probe.reserve_s(bbb_state(12.0)) + 1.0)
    plan = after_miss(Reelbox(robust_first=0.0), state, slower=2.5)
    assert after_miss(Reelbox(), state, slower=2.5) == plan
    assert after_miss(Reelbox(robust_first=1e9), state, slower=2.5) < plan


def slow_link_state(buffer_s: float) -> AbrState:
    """60 s of capacity, the sabre_bbb_3s rates, eight transfers at 150 kbit/s (under the lowest rung)."""
    history = tuple(Sample(bits=450e3, seconds=3.0, latency_s=0.08) for _ in range(8))
    return AbrState(buffer_s=buffer_s, buffer_capacity_s=60.0, segment_duration_s=3.0, bitrates_kbps=BBB_KBPS,
                    throughput_kbps=150.0, latency_s=0.08, history=history, last_rung=0, segment_index=40,
                    segments_total=200)


@pytest.mark.parametrize("buffer_s", [12.0, 13.0, 20.0, 40.0])
def test_a_deep_buffer_asks_for_rung_one_while_its_download_leaves_a_tenth_of_it(buffer_s: float) -> None:
    """On a 150 kbit/s estimate the plan asks for the lowest rung at any buffer.  Rung 1 takes 6.7 s to
    download there, so from 12.7 s buffered on it leaves a tenth of the 60 s buffer, and the player asks
    for it (rule 9); ``floor_keep=0`` turns the rule off, and below ``floor_depth_s`` it does not apply."""
    state = slow_link_state(buffer_s)
    assert Reelbox(floor_keep=0).choose(state).rung == 0
    assert Reelbox(floor_depth_s=61.0).choose(state).rung == 0
    assert Reelbox().choose(state).rung == (1 if buffer_s >= 0.08 + 3 * 331.0 / 150.0 + 6.0 else 0)


def test_after_a_fade_a_deep_buffer_comes_back_through_rung_one() -> None:
    """4.5 Mbit/s, a 20 s fade to 50 kbit/s, then 500 kbit/s, at 60 s: without rule 9 the player stays at
    the lowest rung for thirteen segments after the fade while its estimate recovers; with it, six, and
    log-utility QoE is higher at the same stall, QoE_lin level (within 0.001).  (Measured without rule 11;
    with it the player keeps enough buffer to ride this fade without a stall, and rule 9 saves 4 segments at
    rung 0.  Rule 13 changes nothing here: the link was steady before the fade, so the transfer it catches
    is given up at once, as before.  Measured without rule 17, which ends the two plays apart: QoE_lin 0.0023
    apart with it.)"""
    fade = Trace(name="fade", periods=(Period(duration_s=120.0, kbps=4500.0, latency_s=0.08),
                                       Period(duration_s=20.0, kbps=50.0, latency_s=0.08),
                                       Period(duration_s=1000.0, kbps=500.0, latency_s=0.08)))
    ladder = Ladder.constant(BBB_KBPS, segment_duration_s=3.0, segments=150)
    floor, none = (simulate(Reelbox(floor_keep=k, fill_segments=0, spend_at_end=False), fade, ladder,
                            SimConfig(buffer_capacity_s=60.0)) for k in (0.1, 0.0))
    assert floor.rungs[1:].count(0) < none.rungs[1:].count(0)
    assert floor.qoe_log > none.qoe_log
    assert floor.stall_s == none.stall_s
    assert abs(floor.qoe_lin - none.qoe_lin) < 0.001
    eager = simulate(Reelbox(fill_segments=0, abandon_segments=0, spend_at_end=False), fade, ladder,
                     SimConfig(buffer_capacity_s=60.0))
    assert eager.rungs == floor.rungs and eager.stall_s == floor.stall_s  # rule 13 does not wait on a steady link


@pytest.mark.parametrize("capacity", [60.0, 25.0])
def test_below_the_reserve_a_deep_buffer_climbs_only_as_far_as_the_estimates_error_allows(capacity: float) -> None:
    """After a transfer took 1.25 × the time its estimate predicted, a deep buffer under the reserve asks an
    up-switch to hold at the estimate lowered by that error, a margin of 1 − 1/1.25 = 0.2 (rule 10).  Above
    the reserve, at a 25 s buffer, or with ``robust_climb_s`` at infinity, the margin is the plain one.  The
    margin without the falls term (the climb back after an abandonment) carries the same term."""
    def margin(algo: Reelbox, buffer_s: float, *, falls: bool = True) -> float:
        state = AbrState(buffer_s=buffer_s, buffer_capacity_s=capacity, segment_duration_s=3.0,
                         bitrates_kbps=BBB_KBPS, throughput_kbps=2000.0, latency_s=0.08,
                         history=bbb_state(12.0).history, last_rung=5, segment_index=8, segments_total=200)
        algo.choose(state)
        algo.on_download(state, DownloadResult(rung=8, bits=15e6, seconds=0.08 + 15e6 * 1.25 / 2e6, latency_s=0.08,
                                               abandoned=False, abandon_to=None, buffer_s=buffer_s))
        assert algo.reserve_s(state) == pytest.approx(8.0)  # one sample in the session's spread: no cv yet
        return algo.margin(state, falls=falls)

    plain = margin(Reelbox(robust_climb_s=math.inf), 6.0)
    assert margin(Reelbox(), 6.0) == pytest.approx(0.2 if capacity >= 40.0 else plain)
    assert margin(Reelbox(), 6.0, falls=False) == pytest.approx(0.2 if capacity >= 40.0 else plain)
    assert margin(Reelbox(), 12.0) == pytest.approx(plain)
    assert margin(Reelbox(robust_climb_s=math.inf), 12.0) == pytest.approx(plain)


@pytest.mark.slow
def test_on_lte_a_deep_buffer_switches_less_and_stalls_no_more(shared_dir: Path) -> None:
    """On every one of the twelve lte logs with the 4K ladder at 60 s, rule 10 switches no more often than
    the plain margin, and 15 % less over the set (237 against 280 switches), for no more stall (3.8 s
    against 9.2 s, all of it on one log): the climbs it holds back are those rule 8 undid a segment or two
    later.  (Measured without rule 11, which since session 29 holds most of these climbs back first.)"""
    root = shared_dir / "abr-traces"
    ladder, config = load_ladder(root / "ladders" / "sabre_bbb4k_3s.json"), SimConfig(buffer_capacity_s=60.0)
    runs = [(simulate(Reelbox(fill_segments=0), trace, ladder, config),
             simulate(Reelbox(robust_climb_s=math.inf, fill_segments=0), trace, ladder, config))
            for trace in (parse_trace(f.read_text(), name=f.name) for f in trace_files(root / "lte"))]
    assert len(runs) == 12
    assert all(rule.switches <= plain.switches for rule, plain in runs), [(r.switches, p.switches) for r, p in runs]
    assert sum(r.switches for r, _ in runs) <= 0.85 * sum(p.switches for _, p in runs)
    assert sum(r.stall_s for r, _ in runs) <= sum(p.stall_s for _, p in runs)


def steady_bbb_state(buffer_s: float, *, capacity: float = 25.0, segments_total: int = 200,
                     last_rung: int = 6) -> AbrState:
    """Eight 2.5 Mbit/s transfers, rung 6 (2.06 Mbit/s) playing: rung 7 (2.96) is one the link does not carry."""
    history = tuple(Sample(bits=7.5e6, seconds=3.0, latency_s=0.08) for _ in range(8))
    return AbrState(buffer_s=buffer_s, buffer_capacity_s=capacity, segment_duration_s=3.0, bitrates_kbps=BBB_KBPS,
                    throughput_kbps=2500.0, latency_s=0.08, history=history, last_rung=last_rung, segment_index=40,
                    segments_total=segments_total)


def test_a_climb_into_a_rung_the_link_does_not_carry_waits_for_a_nearly_full_buffer() -> None:
    """At 25 s with 18 s buffered the plan would climb to rung 7, above the 2.5 Mbit/s estimate; rule 11 holds
    rung 6 until the buffer is within two segments of full (19 s), and not in the last two buffers of media,
    where the fill would be left unspent.  From rung 3 it still climbs as far as the estimate carries, rung 6.
    At 10 s full less two segments (4 s) lies under the reserve (4.2 s): no hold, even with 2 s buffered."""
    assert Reelbox(fill_segments=0).choose(steady_bbb_state(18.0)).rung == 7
    assert Reelbox().choose(steady_bbb_state(18.0)).rung == 6
    assert Reelbox(fill_segments=0).choose(steady_bbb_state(18.0, last_rung=3)).rung == 7
    assert Reelbox().choose(steady_bbb_state(18.0, last_rung=3)).rung == 6
    assert Reelbox().choose(steady_bbb_state(19.5)).rung == 7
    assert Reelbox().choose(steady_bbb_state(18.0, segments_total=50)).rung == 7
    assert not Reelbox().filling(steady_bbb_state(2.0, capacity=10.0))
    assert Reelbox().filling(steady_bbb_state(7.0))


def test_on_a_link_between_two_rungs_the_player_alternates_half_as_often() -> None:
    """A steady 2.5 Mbit/s link lies between rungs 6 and 7, so the player alternates between them at any
    buffer: climbing only from a nearly full buffer makes each stay longer.  At 25 s, half the switches
    (9 against 18) and a higher QoE_lin, with no stall."""
    ladder = Ladder.constant(BBB_KBPS, segment_duration_s=3.0, segments=200)
    config = SimConfig(buffer_capacity_s=25.0)
    rule, off = (simulate(Reelbox(fill_segments=f), steady(2500.0), ladder, config) for f in (2.0, 0.0))
    assert rule.switches <= off.switches / 2, (rule.rungs, off.rungs)
    assert rule.qoe_lin > off.qoe_lin
    assert rule.stall_s == off.stall_s == 0.0


@pytest.mark.slow
def test_on_lte_a_25_s_buffer_alternates_less_and_stalls_no_more(shared_dir: Path) -> None:
    """On the twelve lte logs with the 4K ladder at 25 s the link mostly lies between rungs 4 and 5 (16 and
    35 Mbit/s): rule 11 cuts the switches over the set by more than 10 % (260 against 295) for no more
    stall (3.7 s against 4.0 s).  Measured without rule 13: with it, 249 against 280 switches (RobustMPC
    257), but rule 11's fuller buffer then rides out more dips and stalls 9.1 s against 6.9 s.  Measured
    without rule 17, whose climbs over each log's last segments add to both counts (263 against 291 with it)."""
    root = shared_dir / "abr-traces"
    ladder, config = load_ladder(root / "ladders" / "sabre_bbb4k_3s.json"), SimConfig(buffer_capacity_s=25.0)
    runs = [(simulate(Reelbox(abandon_segments=0, spend_at_end=False), trace, ladder, config),
             simulate(Reelbox(fill_segments=0, abandon_segments=0, spend_at_end=False), trace, ladder, config))
            for trace in (parse_trace(f.read_text(), name=f.name) for f in trace_files(root / "lte"))]
    assert len(runs) == 12
    assert sum(r.switches for r, _ in runs) <= 0.9 * sum(p.switches for _, p in runs)
    assert sum(r.stall_s for r, _ in runs) <= sum(p.stall_s for _, p in runs)


def risen_bbb_state(buffer_s: float, *, capacity: float = 25.0, last_kbps: float = 3600.0) -> AbrState:
    """Seven 2.2 Mbit/s transfers and a last one at ``last_kbps``, rung 5 (1.43 Mbit/s) playing: the estimate
    (2.39 Mbit/s after a 3.6 Mbit/s transfer) carries rung 6, the last transfer rung 7."""
    history = (*(Sample(bits=6.6e6, seconds=3.0, latency_s=0.08) for _ in range(7)),
               Sample(bits=6.6e6, seconds=6.6e3 / last_kbps, latency_s=0.08))
    return AbrState(buffer_s=buffer_s, buffer_capacity_s=capacity, segment_duration_s=3.0, bitrates_kbps=BBB_KBPS,
                    throughput_kbps=2500.0, latency_s=0.08, history=history, last_rung=5, segment_index=40,
                    segments_total=200)


def test_after_a_rise_the_climb_goes_as_far_as_the_raised_estimate_carries() -> None:
    """With the last transfer at 1.5 × the estimate the plan's one-rung climb (5 -> 6) becomes the plan's rung
    at 1.3 × the estimate, rung 7, at 25 s and at 10 s; not after a smaller rise (1.3 ×), not with the buffer
    under the reserve (8 s of 11.9 s), and not with a deep buffer (60 s)."""
    assert Reelbox(rise=0).choose(risen_bbb_state(12.0)).rung == 6
    assert Reelbox().choose(risen_bbb_state(12.0)).rung == 7
    assert Reelbox().choose(risen_bbb_state(8.0, capacity=10.0)).rung == 7
    assert Reelbox(rise=0).choose(risen_bbb_state(8.0, capacity=10.0)).rung == 6
    assert Reelbox().choose(risen_bbb_state(12.0, last_kbps=3000.0)).rung == 6
    under, deep = risen_bbb_state(8.0), risen_bbb_state(12.0, capacity=60.0)
    for state, unguarded in ((under, Reelbox(robust_first=0.0)), (deep, Reelbox(rise_depth_s=math.inf))):
        estimate = Reelbox().predict(state)
        assert estimate is not None and state.history[-1].kbps >= 1.5 * estimate
        assert not Reelbox().rising(state, estimate) and unguarded.rising(state, estimate)


@pytest.mark.parametrize(("low", "high", "period"), [(1000.0, 3000.0, 60.0), (1500.0, 6000.0, 90.0),
                                                     (500.0, 2500.0, 40.0)])
def test_after_each_rise_of_a_square_wave_the_player_climbs_sooner_in_fewer_steps(low: float, high: float,
                                                                                  period: float) -> None:
    """A link that alternates between two rates: the estimate lags each rise by several transfers, and the
    plain plan climbed one rung per segment behind it.  At 25 s on the bbb ladder rule 12 climbs in fewer
    switches (24, 21, 48 against 26, 25, 53) to a higher QoE_lin (1.752, 3.151, 1.019 against 1.715, 3.065,
    0.999; BOLA-E 1.740, 3.136, 1.014), with no stall."""
    ladder = Ladder.constant(BBB_KBPS, segment_duration_s=3.0, segments=200)
    config = SimConfig(buffer_capacity_s=25.0)
    rule, off = (simulate(Reelbox(rise=r), wave_trace(low, high, period), ladder, config) for r in (1.5, 0.0))
    assert rule.switches < off.switches, (rule.rungs, off.rungs)
    assert rule.qoe_lin > off.qoe_lin
    assert rule.stall_s == off.stall_s == 0.0


def flipping_trace(low: float, high: float, period_s: float, seed: int) -> Trace:
    """A link whose rate is drawn every ``period_s`` log-evenly between ``low`` and ``high`` kbit/s (a fixed
    LCG): consecutive transfers often run at half or twice each other's rate, as on Puffer's links."""
    periods: list[Period] = []
    x = seed
    for _ in range(400):
        x = (x * 1103515245 + 12345) % 2**31
        periods.append(Period(duration_s=period_s, kbps=low * (high / low) ** (x / 2**31), latency_s=0.08))
    return Trace(name="flipping", periods=tuple(periods))


def test_on_a_link_that_halves_or_doubles_between_transfers_an_up_switch_must_survive_more() -> None:
    """Rule 14: the margin's floor is ``flip_margin`` × the share of consecutive transfers of which one ran
    at over twice the other's rate.  A level change is one flip however deep, a steady link has none, and
    a buffer under 20 s keeps rule 5's floor.  At 25 s on eight log-even links (1–6 Mbit/s every 2 s, 0.7–5
    every 4 s) it switches a tenth less (130 against 145) for a higher QoE_lin, with no stall (on
    Puffer/netflix10 at 25 s: 43.0 -> 41.1 switches per 150, under RobustMPC's 42.2).  Measured without rule
    17, whose climbs over the last segments of these short plays add to both counts (139 against 151 with it)."""
    alternating = state_with(rates_history([1000.0, 3000.0] * 4))
    level = state_with(rates_history([3000.0] * 4 + [1000.0] * 4))
    assert Reelbox.flips(alternating) == 1.0
    assert Reelbox.flips(level) == pytest.approx(1 / 7)
    assert Reelbox.flips(state_with(rates_history([1000.0, 3000.0] * 2 + [1000.0]))) == 0.0  # under six
    assert Reelbox().margin(alternating) == pytest.approx(0.3)
    assert Reelbox(flip_margin=0.0).margin(alternating) == pytest.approx(0.05)
    small = state_with(rates_history([1000.0, 3000.0] * 4), capacity=16.0)
    assert Reelbox().margin(small) == Reelbox(flip_margin=0.0).margin(small) == pytest.approx(0.05)
    config = SimConfig(buffer_capacity_s=25.0)
    ladder = Ladder.constant(NETFLIX10_KBPS, segment_duration_s=4.0, segments=75)
    links = [flipping_trace(1000.0, 6000.0, 2.0, seed) for seed in (1, 2, 3, 4)]
    links += [flipping_trace(700.0, 5000.0, 4.0, seed) for seed in (1, 2, 3, 4)]
    rule, off = ([simulate(Reelbox(flip_margin=f, spend_at_end=False), link, ladder, config) for link in links]
                 for f in (0.3, 0.0))
    assert sum(r.switches for r in rule) <= 0.92 * sum(r.switches for r in off), (
        [r.switches for r in rule], [r.switches for r in off])
    assert sum(r.qoe_lin for r in rule) > sum(r.qoe_lin for r in off)
    assert all(r.stall_s == 0.0 for r in rule)


def after_transfers(kbps: list[float], *, capacity: float = 10.0, swing_flips: float = 0.2) -> tuple[Reelbox, AbrState]:
    """The default after completed 4 s transfers at these rates (so its session's flips are counted), and a
    state whose history holds them, with 3.5 s buffered."""
    algo = Reelbox(swing_flips=swing_flips)
    st = state_with(rates_history(kbps), capacity=capacity, buffer_s=3.5)
    for k in kbps:
        algo.on_download(st, DownloadResult(rung=3, bits=k * 4000.0, seconds=4.08, latency_s=0.08, abandoned=False,
                                            abandon_to=None, buffer_s=6.0))
    return algo, st


def test_with_a_small_buffer_on_a_link_that_flips_an_abandonment_steps_down_one_rung() -> None:
    """Rule 15: with a buffer under 20 s, on a session in which a fifth or more of the consecutive transfers
    (ten pairs at least) ran at over twice the other's rate, an abandonment steps down one rung when that
    rung's download fits the buffer at the estimate, its refetch is planned on the estimate, and a damped
    climb follows the slowest of the last ten transfers.  A level change is one flip, so a steady link that
    drops keeps rule 6's deep step.  At 10 s on four 1–6 Mbit/s log-even links and four bursty ones, QoE_log
    and QoE_lin are higher, at no more stall (on Puffer/netflix10 at 10 s: QoE_log 0.094 -> 0.150, DYNAMIC's
    0.149)."""
    flipping = [1000.0, 3000.0] * 6
    algo, st = after_transfers(flipping)
    assert algo.swinging(st)
    assert not after_transfers(flipping, capacity=25.0)[0].swinging(state_with(st.history, capacity=25.0))
    assert not after_transfers(flipping[:8])[0].swinging(st)  # seven pairs: too few to tell
    level, st_level = after_transfers([3000.0] * 6 + [1000.0] * 6)
    assert not level.swinging(st_level)

    def late(a: Reelbox, s: AbrState) -> int | None:
        """Where ``a`` steps a rung-4 transfer (1050 kbit/s) crawling at 300 kbit/s with 3.5 s buffered."""
        progress = Progress(rung=4, size_bits=4.2e6, downloaded_bits=300e3 * 1.5, elapsed_s=1.58, latency_s=0.08,
                            buffer_s=3.5)
        decision = a.abandon(s, progress)
        return None if decision is None else decision.rung

    assert late(algo, st) == 3  # 3 Mbit/s of 750 kbit/s fits 3.5 s at the ~1.5 Mbit/s estimate
    assert late(after_transfers(flipping, swing_flips=0.0)[0], st) == 0
    assert late(level, st_level) == 0
    slow, st_slow = after_transfers([400.0, 1000.0] * 6)  # the estimate does not carry rung 3 within 3.5 s
    assert slow.swinging(st_slow) and late(slow, st_slow) == 0

    capped = after_transfers(flipping, swing_flips=0.0)[0]
    for a in (algo, capped):
        a.on_download(st, DownloadResult(rung=4, bits=450e3, seconds=1.58, latency_s=0.08, abandoned=True,
                                         abandon_to=3, buffer_s=2.0))
    assert capped.predict(st) == pytest.approx(300.0)  # rule 4: the refetch planned on the transfer's own rate
    assert algo.predict(st) > 1500.0  # rule 15: on the estimate (the partial transfer is one sample of it)

    config = SimConfig(buffer_capacity_s=10.0)
    ladder = Ladder.constant(NETFLIX10_KBPS, segment_duration_s=4.0, segments=75)
    links = [flipping_trace(1000.0, 6000.0, 2.0, seed) for seed in (1, 2, 3, 4)] + [bursty_trace(s) for s in (1, 2, 3, 4)]
    rule, off = ([simulate(Reelbox(swing_flips=f), link, ladder, config) for link in links] for f in (0.2, 0.0))
    assert sum(r.qoe_log for r in rule) > sum(r.qoe_log for r in off) + 0.3
    assert sum(r.qoe_lin for r in rule) > sum(r.qoe_lin for r in off) + 0.3
    assert sum(r.stall_s for r in rule) <= sum(r.stall_s for r in off) + 0.1


K4_KBPS = (1000.0, 2500.0, 5000.0, 8000.0, 16000.0, 35000.0)  # the 4K ladder's rungs (sabre_bbb4k_3s)


def k4_state(buffer_s: float, kbps: float, *, ladder: tuple[float, ...] = K4_KBPS, capacity: float = 10.0,
             last_rung: int = 4) -> AbrState:
    """Eight 3 s transfers at ``kbps`` on a 3 s-segment ladder, ``last_rung`` playing."""
    history = tuple(Sample(bits=kbps * 3000.0, seconds=3.0, latency_s=0.02) for _ in range(8))
    return AbrState(buffer_s=buffer_s, buffer_capacity_s=capacity, segment_duration_s=3.0, bitrates_kbps=ladder,
                    throughput_kbps=kbps, latency_s=0.02, history=history, last_rung=last_rung, segment_index=40,
                    segments_total=199)


def test_at_a_small_buffer_a_climb_across_a_doubling_step_waits_for_a_stay_it_can_afford() -> None:
    """Rule 16: at 10 s with 3 s segments (rule 11's level, 4 s, under the 4.2 s reserve) a climb from 16 into
    35 Mbit/s, above the estimate, waits for a full buffer (7 s, where the downloader waits), and even then
    needs an estimate at which two segments there drain the buffer no further than the reserve (at 30 Mbit/s
    they do; at 22 they do not: 35 > 22 × (1 + 2.8 / 6)).  A climb the estimate carries, a ladder without a
    doubling step and a 25 s buffer are left alone.  On four 4K-ladder links around 30 Mbit/s at 10 s less
    than half the switches (102 against 224) and higher QoE_lin (85.8 against 64.4) and QoE_log, with no
    stall (lte at 10 s over 240 rotated sessions: 36.6 → 28.0 switches per 150, rebuffering 0.425 → 0.395 %)."""
    off = Reelbox(stay_segments=0)
    for kbps in (30000.0, 22000.0):
        assert off.choose(k4_state(5.0, kbps)).rung == 5  # the plan alone climbs into 35 Mbit/s
        assert Reelbox().choose(k4_state(5.0, kbps)).rung == 4  # not yet full
    assert Reelbox().choose(k4_state(7.0, 30000.0)).rung == 5
    assert off.choose(k4_state(7.0, 22000.0)).rung == 5
    assert Reelbox().choose(k4_state(7.0, 22000.0)).rung == 4
    assert Reelbox().choose(k4_state(5.0, 40000.0)).rung == 5  # the estimate carries it
    bbb = k4_state(6.0, 4600.0, ladder=BBB_KBPS, last_rung=7)  # 2962 -> 5027, above the estimate: a 1.7× step
    assert Reelbox().choose(bbb).rung == off.choose(bbb).rung == 8
    deep = k4_state(20.0, 30000.0, capacity=25.0)  # past rule 11's level (19 s), short of full (22 s)
    assert Reelbox().choose(deep).rung == off.choose(deep).rung == 5

    ladder, config = Ladder.constant(K4_KBPS, segment_duration_s=3.0, segments=100), SimConfig(buffer_capacity_s=10.0)
    links = [noisy_trace(30000.0, 0.3, s) for s in (1, 2)] + [flipping_trace(18000.0, 40000.0, 2.0, s) for s in (1, 2)]
    rule, plain = ([simulate(Reelbox(stay_segments=s), link, ladder, config) for link in links] for s in (2.0, 0.0))
    assert sum(r.switches for r in rule) <= 0.6 * sum(r.switches for r in plain), (
        [r.switches for r in rule], [r.switches for r in plain])
    assert sum(r.qoe_lin for r in rule) > sum(r.qoe_lin for r in plain)
    assert sum(r.qoe_log for r in rule) > sum(r.qoe_log for r in plain)
    assert sum(r.stall_s for r in rule) <= sum(r.stall_s for r in plain) + 0.1


def test_the_plan_that_reaches_the_last_segment_spends_the_reserve() -> None:
    """Rule 17: three segments before the end (12 s buffered of 25, 2.5 Mbit/s, rung 6 playing) nothing comes
    after the plan's horizon, so the reserve it would keep guards no download.  Without the terminal charge the
    plan stays at rung 6 for one segment and ends at rung 9 (12 s → 3.9 s buffered, no stall); with it, it
    climbs one rung.  Two hundred segments before the end the charge is kept.  On steady links whose rate lies
    between two rungs (25 and 60 s buffers) the last segments play higher, with no stall and a higher QoE_lin."""
    near_end = steady_bbb_state(12.0, segments_total=43)
    assert Reelbox().choose(near_end).rung == 6 and Reelbox(spend_at_end=False).choose(near_end).rung == 7
    far = steady_bbb_state(12.0)
    assert Reelbox().choose(far).rung == Reelbox(spend_at_end=False).choose(far).rung

    ladder = Ladder.constant(BBB_KBPS, segment_duration_s=3.0, segments=60)
    for kbps in (1800.0, 2500.0, 4000.0):
        for buffer_s in (25.0, 60.0):
            config = SimConfig(buffer_capacity_s=buffer_s)
            rule, plain = (simulate(Reelbox(spend_at_end=s), steady(kbps), ladder, config) for s in (True, False))
            assert rule.stall_s == plain.stall_s == 0.0
            assert rule.qoe_lin > plain.qoe_lin, (kbps, buffer_s, rule.rungs[-8:], plain.rungs[-8:])
            assert sum(rule.rungs[-8:]) > sum(plain.rungs[-8:])

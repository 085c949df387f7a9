"""The QoE_lin upper bound (``abr.oracle``): exact where the answer is known, never below what a real
algorithm scores in the simulator with the same stall, and looser with more stall allowed."""
from __future__ import annotations

from pathlib import Path

import pytest

from abr.algorithms import by_name
from abr.bench import load_ladder, trace_files
from abr.ladder import Ladder, netflix10
from abr.oracle import ScheduleReplay, _Link, best_schedule, qoe_lin_bound
from abr.simulator import SimConfig, simulate
from abr.traces import Period, Trace, parse_trace


def steady(kbps: float, latency_s: float = 0.0) -> Trace:
    return Trace(name="steady", periods=(Period(duration_s=50.0, kbps=kbps, latency_s=latency_s),))


def test_on_a_link_faster_than_the_top_rung_the_bound_is_one_step_from_the_lowest_rung_to_the_top() -> None:
    """The first segment is at the lowest rung; after that every segment can be the top, for one switch."""
    ladder = netflix10()
    low, top, n = ladder.bitrates_kbps[0] / 1000, ladder.bitrates_kbps[-1] / 1000, ladder.segments
    expected = (low + (n - 1) * top - (top - low)) / n
    assert qoe_lin_bound(steady(100_000.0), ladder, buffer_capacity_s=10.0) == pytest.approx(expected, rel=1e-9)


def test_a_link_below_the_lowest_rung_cannot_play_without_stalling() -> None:
    ladder = Ladder.constant((1000.0, 2000.0), segment_duration_s=2.0, segments=20)
    assert qoe_lin_bound(steady(800.0), ladder, buffer_capacity_s=10.0) == float("-inf")
    assert qoe_lin_bound(steady(800.0), ladder, buffer_capacity_s=10.0, stall_budget_s=20.0) > 0.99


def test_a_steady_link_between_two_rungs_is_bounded_by_the_link_and_above_the_rung_it_carries() -> None:
    """2.5 Mbit/s with 80 ms latency: 2350 kbit/s is carried for ever; nothing averages more than the link."""
    bound = qoe_lin_bound(steady(2500.0, latency_s=0.08), netflix10(), buffer_capacity_s=10.0)
    assert 2.35 - 0.05 < bound < 2.5


@pytest.mark.parametrize(("trace_set", "buffer_s"), [("lte", 10.0), ("fcc", 10.0), ("lte", 25.0)])
def test_no_algorithm_scores_above_the_bound_at_its_own_stall(shared_dir: Path, trace_set: str, buffer_s: float) -> None:
    """Real traces (LTE on the 4K ladder, FCC on netflix10), four algorithms: each session's QoE_lin before
    its stall penalty is at most the bound for a player allowed as much stall as that session had."""
    root = shared_dir / "abr-traces"
    files = trace_files(root / trace_set)[::(3 if buffer_s < 20 else 6) if trace_set == "lte" else 50]
    ladder = load_ladder(root / "ladders" / ("sabre_bbb4k_3s.json" if trace_set == "lte" else "netflix10_4s_cbr.json"))
    checked = 0
    for trace in (parse_trace(f.read_text(), name=f.name) for f in files):
        for name in ("reelbox-r2", "robust-mpc", "dynamic", "bola-e"):
            r = simulate(by_name(name), trace, ladder, SimConfig(buffer_capacity_s=buffer_s))
            quality, _, switching = r.qoe_lin_terms
            before_penalty = quality - switching
            bound = qoe_lin_bound(trace, ladder, buffer_capacity_s=buffer_s, stall_budget_s=r.stall_s + 1e-6)
            assert before_penalty <= bound + 1e-9, (trace.name, name, before_penalty, bound)
            checked += 1
    assert checked == 4 * len(files) >= 8


def test_more_stall_allowed_never_lowers_the_bound(shared_dir: Path) -> None:
    root = shared_dir / "abr-traces"
    trace = parse_trace((root / "lte" / "report_bus_0001.json").read_text(), name="bus")
    ladder = load_ladder(root / "ladders" / "sabre_bbb4k_3s.json")
    bounds = [qoe_lin_bound(trace, ladder, buffer_capacity_s=10.0, stall_budget_s=s) for s in (0.0, 2.0, 10.0)]
    assert bounds == sorted(bounds) and bounds[2] > bounds[0]


def replayed_score(link: _Link, ladder: Ladder, rungs: tuple[int, ...], capacity_s: float, budget_s: float,
                   slack_s: float = 0.0) -> float | None:
    """Replay a rung sequence in the bound's own model (each request as soon as the buffer has room, each
    segment due by its play time plus the stall budget): QoE_lin before the stall penalty, or None when a
    segment misses its deadline by more than ``slack_s`` (0: exactly the bound's rule)."""
    mbps, d = [r / 1000.0 for r in ladder.bitrates_kbps], ladder.segment_duration_s
    t0 = t = link.arrival(0.0, ladder.sizes_bits[0][rungs[0]])
    for k in range(1, len(rungs)):
        t = link.arrival(max(t, t0 + (k + 1) * d - capacity_s), ladder.sizes_bits[k][rungs[k]])
        if t > t0 + k * d + budget_s + slack_s:
            return None
    return (sum(mbps[r] for r in rungs) - sum(abs(mbps[a] - mbps[b]) for a, b in zip(rungs, rungs[1:]))) / len(rungs)


def switches(rungs: tuple[int, ...]) -> int:
    return sum(a != b for a, b in zip(rungs, rungs[1:]))


def test_the_pruned_fronts_find_the_best_of_every_rung_sequence_tried_one_by_one() -> None:
    """Brute force over all 3^7 rung sequences of a short ladder on a link that changes every 1.3 s,
    in the bound's own model (requests when the buffer has room, a deadline per segment): the fronts,
    pruned within and across rungs, must find exactly the best score, and with a charge per switch the
    best score less that charge (the pruning across rungs then counts the charge in its distance)."""
    from itertools import product

    ladder = Ladder.constant((300.0, 1000.0, 2500.0), segment_duration_s=2.0, segments=8)
    trace = Trace(name="wobbly", periods=tuple(
        Period(duration_s=1.3, kbps=kbps, latency_s=0.05) for kbps in (3000.0, 400.0, 1500.0, 900.0, 2600.0, 700.0)))
    link = _Link.unroll(trace, horizon_s=1000.0)
    n = ladder.segments
    for capacity, budget in ((4.0, 0.0), (6.0, 0.0), (6.0, 1.0), (10.0, 2.0)):
        fits = [(score, rungs) for rungs in ((0, *tail) for tail in product(range(3), repeat=n - 1))
                if (score := replayed_score(link, ladder, rungs, capacity, budget)) is not None]
        assert fits
        best = max(score for score, _ in fits)
        assert qoe_lin_bound(trace, ladder, buffer_capacity_s=capacity, stall_budget_s=budget) == pytest.approx(best, abs=1e-12)
        for cost in (0.3, 1.0, 5.0):
            charged = max(score - cost * switches(rungs) / n for score, rungs in fits)
            schedule = best_schedule(trace, ladder, buffer_capacity_s=capacity, stall_budget_s=budget, switch_cost=cost)
            assert schedule.score - cost * switches(schedule.rungs) / n == pytest.approx(charged, abs=1e-12)
            assert schedule.score == pytest.approx(replayed_score(link, ladder, schedule.rungs, capacity, budget), abs=1e-12)


def test_a_charge_per_switch_trades_qoe_lin_for_fewer_switches_and_a_stall_free_schedule_replays_exactly(
        shared_dir: Path) -> None:
    """LTE on the 4K ladder at 10 s: the dearer a switch, the fewer the schedule's switches and the lower its
    plain QoE_lin (never above the bound); replayed in the simulator each stall-free schedule stalls 0 s and
    scores exactly its QoE_lin (the oracle's numbers are what a player playing it would get)."""
    root = shared_dir / "abr-traces"
    trace = parse_trace((root / "lte" / "report_bus_0001.json").read_text(), name="bus")
    ladder = load_ladder(root / "ladders" / "sabre_bbb4k_3s.json")
    schedules = [best_schedule(trace, ladder, buffer_capacity_s=10.0, switch_cost=c) for c in (0.0, 10.0, 40.0)]
    with pytest.raises(ValueError):
        best_schedule(trace, ladder, buffer_capacity_s=10.0, switch_cost=-1.0)
    counts = [switches(s.rungs) for s in schedules]
    scores = [s.score for s in schedules]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[2]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[2]
    for schedule in schedules:
        played = simulate(ScheduleReplay(schedule.rungs), trace, ladder, SimConfig(buffer_capacity_s=10.0))
        assert played.rungs == schedule.rungs and played.stall_s <= 1e-9
        assert played.qoe_lin == pytest.approx(schedule.score, abs=1e-9)


def test_the_best_schedule_scores_what_the_bound_says_and_meets_every_deadline(shared_dir: Path) -> None:
    """The schedule behind the bound on a real trace (FCC, netflix10, 25 s): one rung per segment, its
    quality less its switches is the bound, and replayed in the bound's model no segment misses its deadline."""
    root = shared_dir / "abr-traces"
    trace = parse_trace(trace_files(root / "fcc")[7].read_text(), name="fcc-7")
    ladder = load_ladder(root / "ladders" / "netflix10_4s_cbr.json")
    schedule = best_schedule(trace, ladder, buffer_capacity_s=25.0)
    rungs = schedule.rungs
    assert len(rungs) == ladder.segments and rungs[0] == 0 and len(set(rungs)) > 2
    link = _Link.unroll(trace, horizon_s=ladder.segments * 4.0 + 600.0)
    score = replayed_score(link, ladder, rungs, capacity_s=25.0, budget_s=0.0, slack_s=1e-9)
    assert score is not None and schedule.score == pytest.approx(score, abs=1e-9)
    assert schedule.score == qoe_lin_bound(trace, ladder, buffer_capacity_s=25.0)

"""The parallelism governor: climbs from 4 toward 16 while throughput grows, stops when it does not, halves on errors."""
from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from downloads.parallelism import ParallelismGovernor, ParallelismPolicy, parallelism_policy

SEGMENT = 700_000


def _drive(governor: ParallelismGovernor, rate_at: Callable[[int], float], seconds: float) -> float:
    """Feed completions as a link whose throughput depends on the fetches in flight would; returns the end time."""
    now = 0.0
    governor.on_start(now)
    while now < seconds:
        now += SEGMENT / rate_at(governor.limit)
        governor.on_done(now, SEGMENT)
    return now


def test_climbs_while_more_fetches_bring_more_throughput() -> None:
    """A latency-bound link (each fetch adds 12 MB/s up to 100 MB/s) takes the limit from 4 to at least 8."""
    governor = ParallelismGovernor()
    assert governor.limit == 4
    _drive(governor, lambda n: min(100e6, 12e6 * n), seconds=3.0)
    assert governor.limit >= 8
    assert [limit for limit, _ in governor.history] == sorted(limit for limit, _ in governor.history)


def test_stops_climbing_when_throughput_is_flat() -> None:
    """On a link that gives 50 MB/s whatever the parallelism, one step up is tried and the climb ends."""
    governor = ParallelismGovernor()
    _drive(governor, lambda n: 50e6, seconds=3.0)
    assert not governor.climbing and governor.limit == 6


def test_halves_on_error_and_climbs_again() -> None:
    """A retried request halves the limit; the next windows may climb again from there."""
    governor = ParallelismGovernor()
    end = _drive(governor, lambda n: min(200e6, 12e6 * n), seconds=3.0)
    before = governor.limit
    assert governor.on_error(end) == before // 2 and governor.climbing
    _drive(governor, lambda n: min(200e6, 12e6 * n), seconds=3.0)
    assert governor.limit > before // 2


def test_fixed_policy_never_moves() -> None:
    """`--parallel N` (and the app's setting) is a policy with start = low = high = N; None is the adaptive one."""
    assert parallelism_policy(None) == ParallelismPolicy() and parallelism_policy(0).high == 1
    governor = ParallelismGovernor(parallelism_policy(2))
    _drive(governor, lambda n: 10e6 * n, seconds=2.0)
    assert governor.on_error(1.0) == 2 and governor.limit == 2


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # the box is shared
@given(st.lists(st.tuples(st.booleans(), st.floats(1e5, 1e9)), max_size=300))
def test_limit_stays_within_bounds(events: list[tuple[bool, float]]) -> None:
    """Whatever the sequence of completions (any rate) and errors, the limit stays in [low, high]."""
    policy = ParallelismPolicy()
    governor = ParallelismGovernor(policy)
    now = 0.0
    for failed, rate in events:
        now += SEGMENT / rate
        limit = governor.on_error(now) if failed else governor.on_done(now, SEGMENT)
        assert policy.low <= limit <= policy.high

"""The first segment's rung from an estimate carried over from earlier plays (issue 19): the pure pick, then
the scheduler on ManualClock over an emulated link."""
from __future__ import annotations

import asyncio

from schedkit import link, presentation, world

from player.scheduling import SchedulerConfig
from player.scheduling.start_pick import CARRIED_FOR_S, Carried, start_rung

LADDER = (300.0, 600.0, 1100.0)


def test_the_highest_rung_the_estimate_carries_with_the_margin() -> None:
    """2000 kbit/s carries every rung; 1100 / 0.9 just carries the top, a hair less only the one below."""
    assert start_rung(Carried(kbps=2000.0, age_s=5.0), LADDER) == 2
    assert start_rung(Carried(kbps=1100.0 / 0.9, age_s=5.0), LADDER) == 2
    assert start_rung(Carried(kbps=1100.0 / 0.9 - 1.0, age_s=5.0), LADDER) == 1
    assert start_rung(Carried(kbps=1000.0, age_s=5.0), LADDER) == 1


def test_no_estimate_a_stale_one_or_one_that_carries_nothing_leaves_the_abr_its_start() -> None:
    """None means the ABR's own pick (today's start at the bottom)."""
    assert start_rung(None, LADDER) is None
    assert start_rung(Carried(kbps=2000.0, age_s=CARRIED_FOR_S + 1.0), LADDER) is None
    assert start_rung(Carried(kbps=2000.0, age_s=-60.0), LADDER) is None  # the wall clock went back: no age known
    assert start_rung(Carried(kbps=200.0, age_s=5.0), LADDER) is None
    assert start_rung(Carried(kbps=float("nan"), age_s=5.0), LADDER) is None


def _first_rungs(carried: Carried | None, *, kbps: float = 2000.0, start_s: float = 0.0) -> tuple[list[str], Carried | None]:
    """A play of 8 s on a ``kbps`` link with ``carried``: the video rungs fetched, and the estimate it leaves."""
    async def go() -> tuple[list[str], Carried | None]:
        w = world(presentation(6), shaping=link([(1.0, kbps)]),
                  config=SchedulerConfig(until_s=start_s + 8.0, start_s=start_s, carried=carried))
        await w.scheduler.run()
        return [r for kind, r, _, _ in w.sink.added if kind == "video"], w.scheduler.estimate()
    return asyncio.run(go())


def test_a_play_starts_at_the_rung_its_carried_estimate_sustains() -> None:
    """No estimate: the bottom rung first (the ABR's start); 2000 kbit/s carried: the top; 1000: the middle."""
    assert _first_rungs(None)[0][0] == "v0"
    assert _first_rungs(Carried(kbps=2000.0, age_s=60.0))[0][0] == "v2"
    assert _first_rungs(Carried(kbps=1000.0, age_s=60.0))[0][0] == "v1"
    assert _first_rungs(Carried(kbps=2000.0, age_s=60.0), start_s=5.0)[0][0] == "v2"  # a resume too
    assert _first_rungs(Carried(kbps=2000.0, age_s=CARRIED_FOR_S + 60.0))[0][0] == "v0"


def test_a_play_leaves_the_estimate_it_measured_for_the_next() -> None:
    """What the scheduler hands on is its own estimate of the link (2000 kbit/s emulated), freshly measured."""
    _rungs, left = _first_rungs(None)
    assert left is not None
    assert 1500.0 < left.kbps <= 2100.0
    assert 0.0 <= left.age_s < 4.0


def test_a_carried_estimate_the_link_no_longer_carries_costs_one_slow_segment_not_the_play() -> None:
    """2000 kbit/s carried, 500 kbit/s now: the first segment (top rung) stalls and is refetched at the bottom,
    every segment is delivered, and the rest follow the ABR on the link as it is."""
    async def go() -> tuple[list[str], list[int]]:
        w = world(presentation(6), shaping=link([(1.0, 500.0)]),
                  config=SchedulerConfig(until_s=8.0, carried=Carried(kbps=2000.0, age_s=60.0)))
        await w.scheduler.run()
        return [r for kind, r, _, _ in w.sink.added if kind == "video"], [e.index for e in w.qoe.downswitch_events]
    rungs, downswitched = asyncio.run(go())
    assert downswitched == [0]
    assert rungs == ["v0"] * 4

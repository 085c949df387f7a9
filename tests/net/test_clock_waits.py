"""``done_within``: the one timeout helper every engine wait goes through, on a real and a manual clock."""
from __future__ import annotations

import asyncio

import pytest

from player.net.clock import Clock, ManualClock, MonotonicClock, done_within, ticks


@pytest.mark.parametrize("make_clock", [MonotonicClock, ManualClock], ids=["monotonic", "manual"])
def test_a_cancelled_wait_leaves_no_task_behind(make_clock: type[Clock]) -> None:
    """Cancelling the waiter cancels the coroutine it wrapped too: a session torn down mid-hold (libmpv
    failing to start while the scheduler waits for the first frame) must not leave ``Event.wait`` tasks."""
    async def scenario() -> list[asyncio.Task[object]]:
        never = asyncio.Event()
        waiter = asyncio.ensure_future(done_within(make_clock(), never.wait(), 60.0))
        for _ in range(3):
            await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        assert waiter.cancelled()
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    assert asyncio.run(scenario()) == []


def test_a_future_passed_in_is_left_running_on_timeout() -> None:
    """The caller owns a future it passes (a download being watched): a timeout does not cancel it."""
    async def scenario() -> tuple[bool, bool]:
        clock = ManualClock()
        download: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        finished = await done_within(clock, download, 1.0)
        still_running = not download.done()
        download.set_result(1)
        return finished, still_running

    assert asyncio.run(scenario()) == (False, True)


def test_a_coroutine_that_finishes_in_time_reports_true() -> None:
    async def scenario() -> bool:
        ready = asyncio.Event()
        asyncio.get_running_loop().call_soon(ready.set)
        return await done_within(MonotonicClock(), ready.wait(), 5.0)

    assert asyncio.run(scenario()) is True


def test_ticks_keep_a_fixed_grid_whatever_each_turn_costs() -> None:
    """A turn's work does not push later ticks back (the live sampler drifted to ~0.505 s a sample and
    came up one short in a 60 s play), and a turn that overruns skips the points it missed."""
    async def scenario() -> tuple[list[float], list[float]]:
        clock = ManualClock(start=0.0)
        steady: list[float] = []
        async for now in ticks(clock, 0.5):
            steady.append(now)
            clock.advance(0.01)  # each turn's work
            if len(steady) == 10:
                break
        slow: list[float] = []
        async for now in ticks(clock, 0.5):
            slow.append(now)
            clock.advance(1.2 if len(slow) == 2 else 0.0)  # one turn overruns two points
            if len(slow) == 5:
                break
        return steady, slow

    steady, slow = asyncio.run(scenario())
    assert steady == pytest.approx([0.5 * k for k in range(1, 11)])
    start = steady[-1] + 0.01
    assert slow == pytest.approx([start + 0.5, start + 1.0, start + 2.2, start + 2.7, start + 3.2])

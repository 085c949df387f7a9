"""The engine's loop thread (ui/app/engine_thread.py): stopping it ends what still runs there, cleanly."""
from __future__ import annotations

import asyncio
import gc
import warnings

import anyio


def test_stop_lets_a_task_spawned_just_before_take_its_first_step() -> None:
    """A task anyio spawned (``start_soon``: an httpx connection being opened) in the loop's last step before the stop
    is cancelled after its first step, not before it: no "coroutine ... was never awaited" warning, and every task ends."""
    from ui.app.engine_thread import EngineThread

    engine = EngineThread()
    children: list[str] = []

    async def child() -> None:
        children.append("started")
        await asyncio.sleep(30)

    async def spawn_then_stop() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(child)
            asyncio.get_running_loop().stop()  # what EngineThread.stop queues, run in this very step
            await asyncio.sleep(30)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        future = engine.submit(spawn_then_stop())
        ended = engine.join(10)  # the loop stopped itself (stop() would queue a second stop, for the shutdown)
        gc.collect()
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
    assert ended and not engine.running and future.cancelled() and children == ["started"]


def test_finish_on_the_way_out_neither_raises_nor_leaves_a_coroutine_unawaited() -> None:
    """``finish`` is the exit's last work on the loop (closing the backend client, the downloads' database): it waits
    up to its timeout for a running loop, and after the loop has stopped it returns at once, closing the coroutine."""
    from ui.app.engine_thread import EngineThread

    engine = EngineThread()
    ran: list[str] = []

    async def work(tag: str) -> None:
        ran.append(tag)

    async def never_ends() -> None:
        await asyncio.sleep(30)

    try:
        engine.finish(work("running"), 5.0)
        engine.finish(never_ends(), 0.2)  # the time up: no exception
    finally:
        engine.stop()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine.finish(work("stopped"), 5.0)
        gc.collect()
    assert ran == ["running"]
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []

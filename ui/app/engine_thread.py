"""The engine's asyncio loop in a worker thread, and the bridge back to Qt (issue 6 architecture).

Why: the UI thread must never block on the network (DESIGN.md "Asyncio inside the engine, Qt
signals at the edge"). Work is submitted with ``asyncio.run_coroutine_threadsafe``; the result comes
back through a Qt signal emitted on the worker thread and delivered to the UI thread by a queued
connection (the bridge object lives in the UI thread).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

Callback = Callable[[Any], None]


def _started(task: asyncio.Task[Any]) -> bool:
    coro = task.get_coro()
    return not (inspect.iscoroutine(coro) and inspect.getcoroutinestate(coro) == inspect.CORO_CREATED)


async def _cancel_all() -> None:
    """Cancel every task left on the stopped loop, once, and wait for them all (as ``asyncio.run`` does on its way out),
    except that a task that has not taken its first step yet takes it before it is cancelled, as anyio's own
    cancellation does. anyio's ``start_soon`` (4.16) runs the coroutine it spawns inside a wrapper coroutine
    (``TaskHandle._run_coro``); a wrapper cancelled before its first step never awaits it, and Python reports
    "coroutine ... was never awaited" when it is collected — httpx's ``connect_tcp.<locals>.try_connect`` when a window
    closed while a connection was being opened."""
    me = asyncio.current_task()
    cancelled: set[asyncio.Task[Any]] = set()
    while tasks := {t for t in asyncio.all_tasks() if t is not me and not t.done()}:
        started = {t for t in tasks if _started(t)}
        for task in started - cancelled:
            task.cancel()
        cancelled |= started
        if started != tasks:
            await asyncio.sleep(0)  # the new tasks' first step
        else:
            await asyncio.gather(*tasks, return_exceptions=True)  # then look again: their ends may have started more


class EngineThread(QObject):
    """One asyncio loop per app, running in a daemon thread until :meth:`stop`."""

    _finished = Signal(object, object, object)  # (callback, errback, future)

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="reelbox-engine", daemon=True)
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.run_until_complete(_cancel_all())
        self.loop.close()

    def submit(
        self, coro: Coroutine[Any, Any, Any], on_done: Callback | None = None, on_error: Callback | None = None
    ) -> concurrent.futures.Future[Any]:
        """Run ``coro`` on the engine loop; ``on_done(result)`` / ``on_error(exc)`` run later on the UI thread."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        if on_done is not None or on_error is not None:
            future.add_done_callback(lambda f: self._finished.emit(on_done, on_error, f))
        return future

    def finish(self, coro: Coroutine[Any, Any, Any], timeout_s: float) -> None:
        """On the app's way out: run ``coro`` on the engine loop and wait up to ``timeout_s`` for it. Nothing that goes
        wrong here (the loop already closed, a failure, the time up) may stop the exit."""
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError:  # the loop is closed: the coroutine will never run
            coro.close()
            return
        with contextlib.suppress(Exception):
            future.result(timeout_s)

    def call(self, fn: Callable[..., Any], *args: Any) -> None:
        """Call a plain function on the engine loop (session controls such as ``pause``)."""
        self.loop.call_soon_threadsafe(fn, *args)

    @Slot(object, object, object)
    def _deliver(self, on_done: Callback | None, on_error: Callback | None, future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled():
            return
        exc = future.exception()
        try:
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
            elif on_done is not None:
                on_done(future.result())
        except RuntimeError as err:  # the receiving widget was deleted meanwhile
            if "already deleted" not in str(err):
                raise

    @property
    def running(self) -> bool:
        """Whether the loop's thread is still alive (it ends once the loop stopped and its tasks were cancelled)."""
        return self._thread.is_alive()

    def join(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for the loop's thread to end, without asking it to; whether it has ended."""
        self._thread.join(timeout_s)
        return not self.running

    def stop(self, timeout_s: float = 10.0) -> None:
        """Cancel what runs on the loop, stop it and wait for the thread."""
        if not self.running:
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.join(timeout_s)

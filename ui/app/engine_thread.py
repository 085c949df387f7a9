"""The engine's asyncio loop in a worker thread, and the bridge back to Qt (issue 6 architecture).

Why: the UI thread must never block on the network (DESIGN.md "Asyncio inside the engine, Qt
signals at the edge"). Work is submitted with ``asyncio.run_coroutine_threadsafe``; the result comes
back through a Qt signal emitted on the worker thread and delivered to the UI thread by a queued
connection (the bridge object lives in the UI thread).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

Callback = Callable[[Any], None]


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
        pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def submit(
        self, coro: Coroutine[Any, Any, Any], on_done: Callback | None = None, on_error: Callback | None = None
    ) -> concurrent.futures.Future[Any]:
        """Run ``coro`` on the engine loop; ``on_done(result)`` / ``on_error(exc)`` run later on the UI thread."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        if on_done is not None or on_error is not None:
            future.add_done_callback(lambda f: self._finished.emit(on_done, on_error, f))
        return future

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

    def stop(self, timeout_s: float = 10.0) -> None:
        """Cancel what runs on the loop, stop it and wait for the thread."""
        if not self._thread.is_alive():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout_s)

"""EdgeHost: one EdgeServer on its own event loop in its own thread (issue 16, item 1).

Why: on the API's loop, any slow handler (a telemetry batch, a scrape, a burst of logins) delayed
every segment of every edge. With a loop per edge, the API can be as busy as it likes: the edge's
loop only waits for the GIL, which Python hands over every switch interval. In production the edges
are static files behind nginx or a CDN anyway (``packaging/nginx``); this keeps the stub honest.
"""
from __future__ import annotations

import asyncio
import threading

from backend_stub.edge.errors import EdgeStateError
from backend_stub.edge.server import EdgeServer

START_TIMEOUT_S = 10.0


class EdgeHost:
    """Start ``edge`` on a private loop in a daemon thread; :meth:`stop` ends both."""

    def __init__(self, edge: EdgeServer, name: str = "reelbox-edge") -> None:
        self.edge = edge
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    def start(self) -> EdgeServer:
        """Run the edge; returns it once it listens (its port known). Raises EdgeStateError."""
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._failure is not None:
            failure = self._failure
            self.stop()
            if isinstance(failure, EdgeStateError):
                raise failure
            raise EdgeStateError(f"edge failed to start: {failure or 'timeout'}")
        return self.edge

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.edge.start())
        except BaseException as exc:  # reported to start()
            self._failure = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
            loop.run_until_complete(self.edge.stop())
        finally:
            loop.close()

    def stop(self) -> None:
        """Close the edge's sockets and end its thread (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:  # already closed
                pass
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=15)
        self._thread = None

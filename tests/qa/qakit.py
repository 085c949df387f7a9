"""Helpers for the QA tests: the title ids, a plain static server (not our backend), and a probe of the loop's lag."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import defaultdict
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.staticfiles import StaticFiles

from player.net import FetchResult, SegmentRequest, Transport

QA_TITLES = ("qa-alpha", "qa-beta")


class StaticServer:
    """uvicorn serving one folder on 127.0.0.1:<ephemeral> from a thread (answers Range with 206)."""

    def __init__(self, folder: Path) -> None:
        app = Starlette()
        app.mount("/", StaticFiles(directory=folder))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> StaticServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("static server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


class LoopLag:
    """How late this event loop woke its sleepers while a timed test ran: the box's load, not the code under test.

    Why: the shaper withholds a body until the emulated link would have delivered it, by sleeping; on a
    busy box (8 engineers, 2 cores) that sleep ends late, and a test that timed the transfer with its own
    clock failed a correct shaper. A probe sleeps ``PERIOD_S`` over and over on the same loop and keeps
    each overshoot, so a test can forgive exactly the lateness the loop showed, and no more.
    """

    PERIOD_S = 0.005

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []  # (woke at, late by), time.monotonic
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.ensure_future(self._probe())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _probe(self) -> None:
        while True:
            due = time.monotonic() + self.PERIOD_S
            await asyncio.sleep(self.PERIOD_S)
            woke = time.monotonic()
            self.samples.append((woke, woke - due))

    def around(self, at: float) -> float:
        """The most a wake due at ``at`` (time.monotonic) can have been held: the longest lateness the probe
        saw from a wake due then, plus one probe period (a hold shorter than that may fall between probes)."""
        late = [lag for woke, lag in self.samples if woke - lag - self.PERIOD_S <= at <= woke + self.PERIOD_S]
        return max(late, default=0.0) + self.PERIOD_S


class RealArrivals:
    """The real transport under the shaper, noting when each real response began and was complete (first byte,
    last byte; time.monotonic, per URL in order): the shaper never delivers a body before it has it, so a real transfer slowed by the busy box
    (the server thread starved of CPU) makes a shaped one late as well, by design ("a real network slower
    than the emulated link still shows through")."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.times: defaultdict[str, list[tuple[float, float]]] = defaultdict(list)

    async def fetch(self, request: SegmentRequest) -> FetchResult:
        sent = time.monotonic()
        result = await self.inner.fetch(request)
        self.times[request.url].append((sent + result.ttfb_s, time.monotonic()))
        return result

    async def aclose(self) -> None:
        closer = getattr(self.inner, "aclose", None)
        if closer is not None:
            await closer()

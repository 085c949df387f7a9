"""Fixtures for the drm_client tests: one loopback licence server per session, fresh state per test."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from drm_licence_server import LicenceServer, LicenceServerState, build_app


@pytest.fixture(scope="session")
def _licence_server_process() -> Iterator[tuple[str, list[LicenceServerState]]]:
    holder = [LicenceServerState()]
    built: list[tuple[LicenceServerState, FastAPI]] = []

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Route to an app built for the current test's state (swapped per test)."""
        state = holder[0]
        if not built or built[0][0] is not state:
            built[:] = [(state, build_app(state))]
        await built[0][1](scope, receive, send)

    config = uvicorn.Config(asgi, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("licence server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", holder
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def licence_server(_licence_server_process: tuple[str, list[LicenceServerState]]) -> LicenceServer:
    """A fresh licence-server state (keys, faults, clock) behind the shared loopback server."""
    base, holder = _licence_server_process
    holder[0] = LicenceServerState()
    return LicenceServer(base=base, state=holder[0])

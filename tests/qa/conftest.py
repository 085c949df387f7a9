"""QA fixtures: tiny titles, a plain static server (Starlette StaticFiles, not our backend), the bundled backend."""
from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.staticfiles import StaticFiles

QA_TITLES = ("qa-alpha", "qa-beta")


@pytest.fixture(scope="session")
def qa_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two clear 20 s titles with three rungs (144/240/360p), encoded once per session."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("qa-library")
    for title in QA_TITLES:
        make_test_title(data, title, protected=False, seconds=20, heights=(144, 240, 360))
    return data


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


@pytest.fixture
def static_title(tmp_path: Path, qa_library: Path) -> Iterator[StaticServer]:
    """One title's content folder copied out of the backend data dir and served unsigned by a plain server."""
    folder = tmp_path / "static"
    shutil.copytree(qa_library / "content" / QA_TITLES[0], folder)
    server = StaticServer(folder).start()
    yield server
    server.stop()

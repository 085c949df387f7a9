"""Helpers for the QA tests: the title ids and a plain static server (not our backend)."""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.staticfiles import StaticFiles

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

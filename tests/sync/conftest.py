"""Sync fixtures: a real backend (API + two edges) over tiny real titles, and signed-in clients per device."""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend_stub.config import ApiSettings
from backend_stub.server import Backend

from sync_helpers import CLEAR, LOCKED

FAST_SETTINGS = ApiSettings(argon2_time_cost=1, argon2_memory_kib=8 * 1024)


@pytest.fixture(scope="session")
def sync_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clear 12 s title (144p + 240p) and a protected 4 s one, encoded once per session."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("sync-library")
    make_test_title(data, CLEAR, protected=False, seconds=12, heights=(144, 240))
    make_test_title(data, LOCKED, protected=True, seconds=4, heights=(144,))
    return data


@pytest.fixture
def start_backend(tmp_path: Path, sync_library: Path) -> Iterator[Callable[..., Backend]]:
    """Start Backends; ``data`` reuses a data dir (a restart), else a fresh copy of the library."""
    started: list[Backend] = []

    def make(data: Path | None = None, **kwargs: Any) -> Backend:
        if data is None:
            data = tmp_path / f"backend{len(started)}"
            shutil.copytree(sync_library, data)
        kwargs.setdefault("settings", FAST_SETTINGS)
        kwargs.setdefault("ingest_worker", False)
        kwargs.setdefault("demo_user", True)  # sync_helpers.signed_in signs in as the demo account
        backend = Backend(data, **kwargs)
        started.append(backend)
        return backend.start()

    yield make
    for backend in started:
        backend.stop()


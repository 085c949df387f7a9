"""Engine fixtures: a real backend (API + two edges on 127.0.0.1) over tiny real titles, and a signed-in client."""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend_stub.config import ApiSettings
from backend_stub.server import Backend

CLEAR = "engine-clear"
LOCKED = "engine-locked"
FAST_SETTINGS = ApiSettings(argon2_time_cost=1, argon2_memory_kib=8 * 1024)


@pytest.fixture(scope="session")
def engine_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clear and a protected 12 s title with three rungs (144/240/360p), encoded once per session."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("engine-library")
    make_test_title(data, CLEAR, protected=False, seconds=12, heights=(144, 240, 360))
    make_test_title(data, LOCKED, protected=True, seconds=12, heights=(144, 240, 360))
    return data


@pytest.fixture
def start_backend(tmp_path: Path, engine_library: Path) -> Iterator[Callable[..., Backend]]:
    """Start a Backend over a private copy of the library; stopped at teardown."""
    started: list[Backend] = []

    def make(**kwargs: Any) -> Backend:
        data = tmp_path / f"backend{len(started)}"
        shutil.copytree(engine_library, data)
        kwargs.setdefault("settings", FAST_SETTINGS)
        backend = Backend(data, **kwargs)
        started.append(backend)
        return backend.start()

    yield make
    for backend in started:
        backend.stop()

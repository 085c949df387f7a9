"""Engine fixtures: a real backend (API + two edges on 127.0.0.1) over tiny real titles, and a signed-in client."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from testkit import backends_over

from backend_stub.server import Backend

CLEAR = "engine-clear"
LOCKED = "engine-locked"


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
    """Start Backends over private copies of the library; stopped at teardown."""
    with backends_over(engine_library, tmp_path) as start:
        yield start

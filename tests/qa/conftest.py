"""QA fixtures: tiny titles, a plain static server (Starlette StaticFiles, not our backend), the bundled backend."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from qakit import QA_TITLES, StaticServer


@pytest.fixture(scope="session")
def qa_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two clear 20 s titles with three rungs (144/240/360p), encoded once per session."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("qa-library")
    for title in QA_TITLES:
        make_test_title(data, title, protected=False, seconds=20, heights=(144, 240, 360))
    return data


@pytest.fixture
def static_title(tmp_path: Path, qa_library: Path) -> Iterator[StaticServer]:
    """One title's content folder copied out of the backend data dir and served unsigned by a plain server."""
    folder = tmp_path / "static"
    shutil.copytree(qa_library / "content" / QA_TITLES[0], folder)
    server = StaticServer(folder).start()
    yield server
    server.stop()

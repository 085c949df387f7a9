"""Fixtures for the download tests: tiny real titles, a real backend on 127.0.0.1, a private REELBOX_HOME.

``dl_library`` encodes once per session a clear and a protected 4 s title (144p + 240p, English
audio, English WebVTT subtitles) with the encoder's ``make_test_title``; each backend serves a
private copy, so a test may stop or throttle its backend freely.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
import pytest
from testkit import backends_over, sqlite_at

from backend_stub.server import Backend
from downloads import DownloadManager, DownloadPaths
from dlkit import CLEAR, FAST, LOCKED



@dataclass(frozen=True, kw_only=True)
class DlLibrary:
    path: Path
    locked_key_hex: str


@pytest.fixture(scope="session")
def dl_library(tmp_path_factory: pytest.TempPathFactory) -> DlLibrary:
    """One clear and one protected title, 4 s, two rungs, audio and subtitles."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("dl-library")
    make_test_title(data, CLEAR, protected=False, seconds=4, heights=(144, 240), subtitles=True)
    make_test_title(data, LOCKED, protected=True, seconds=4, heights=(144, 240), subtitles=True)
    with sqlite_at(data / "backend.sqlite") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        key = conn.execute("SELECT key FROM content_keys WHERE title_id = ?", [LOCKED]).fetchone()[0]
    return DlLibrary(path=data, locked_key_hex=str(key))


@pytest.fixture
def start_backend(tmp_path: Path, dl_library: DlLibrary) -> Iterator[Callable[..., Backend]]:
    """Start Backends (no ingest worker) over private copies of the library; all stopped at teardown."""
    with backends_over(dl_library.path, tmp_path, settings=FAST, ingest_worker=False) as start:
        yield start


@pytest.fixture
def backend(start_backend: Callable[..., Backend]) -> Backend:
    return start_backend()


@pytest.fixture
def paths(reelbox_home: Path) -> DownloadPaths:
    return DownloadPaths.default()


@pytest.fixture
def manager(paths: DownloadPaths) -> Iterator[DownloadManager]:
    m = DownloadManager(paths)
    yield m
    m.close()


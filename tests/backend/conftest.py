"""Fixtures for backend tests; ``reelbox_backend_factory`` is the one meant for reuse elsewhere.

``reelbox_backend_factory(**kwargs)`` starts a real :class:`backend_stub.server.Backend` (API + edges on
127.0.0.1, ephemeral ports) over a private copy of a small title library — one clear and one protected
title built once per test session with the encoder's ``make_test_title`` — and stops it at teardown.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from backend_testkit import CLEAR_ID, PROTECTED_ID
from testkit import backends_over, sqlite_at

from backend_stub.server import Backend



@dataclass(frozen=True, kw_only=True)
class Library:
    """A data dir holding encoded titles, to be copied per test."""

    path: Path
    protected_key_hex: str
    protected_kid_hex: str


@pytest.fixture(scope="session")
def title_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """One clear and one protected 4 s title (144p + 240p), encoded once per session."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("library")
    make_test_title(data, CLEAR_ID, protected=False, seconds=4, heights=(144, 240))
    info = make_test_title(data, PROTECTED_ID, protected=True, seconds=4, heights=(144, 240))

    with sqlite_at(data / "backend.sqlite") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        key = conn.execute("SELECT key FROM content_keys WHERE title_id = ?", [PROTECTED_ID]).fetchone()[0]
    return Library(path=data, protected_key_hex=key, protected_kid_hex=str(info.kid_hex))


@pytest.fixture
def reelbox_backend_factory(tmp_path: Path, title_library: Library) -> Iterator[Callable[..., Backend]]:
    """Start Backends (kwargs go to ``Backend``; ``settings`` defaults to FAST_SETTINGS) over a copy of the library."""
    with backends_over(title_library.path, tmp_path) as start:
        yield start


@pytest.fixture
def reelbox_backend(reelbox_backend_factory: Callable[..., Backend]) -> Backend:
    """A running Backend with two edges and the real clock."""
    return reelbox_backend_factory()


@pytest.fixture
def api(reelbox_backend: Backend) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=reelbox_backend.api_url + "/api/v1", timeout=10) as client:
        yield client

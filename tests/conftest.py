"""Fixtures shared by every test package."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def find_shared() -> Path | None:
    """The project's `shared/` folder (traces, manifest corpus), which CI places beside the clone."""
    candidates = [os.environ.get("REELBOX_SHARED"), REPO.parent / "shared", "/work/shared"]
    for c in candidates:
        if c and (Path(c) / "abr-traces").is_dir():
            return Path(c)
    return None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = find_shared()
    if path is None:
        pytest.fail("shared/ not found: set REELBOX_SHARED to the folder holding abr-traces/ and manifest-corpus/")
    return path


@pytest.fixture
def reelbox_home(tmp_path, monkeypatch) -> Path:
    """A private REELBOX_HOME so no test touches the user's real directories."""
    home = tmp_path / "reelbox-home"
    home.mkdir()
    monkeypatch.setenv("REELBOX_HOME", str(home))
    return home

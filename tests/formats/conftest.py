"""Fixtures for the format corpus tests: the corpus built once per session, served over loopback."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import corpus
import pytest
from corpus_server import serve_corpus


@pytest.fixture(scope="session")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every kind of the corpus (~7 s of ffmpeg/Shaka on this box)."""
    root = tmp_path_factory.mktemp("format-corpus")
    corpus.build(root)
    return root


@pytest.fixture(scope="session")
def corpus_url(corpus_root: Path) -> Iterator[str]:
    """The corpus on a Range-capable loopback server with a ClearKey licence endpoint."""
    with serve_corpus(corpus_root) as base:
        yield base

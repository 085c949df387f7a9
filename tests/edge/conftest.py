"""Fixtures for the edge tests: a packaged-looking content tree and a running edge over it."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from edge_harness import RunningEdge, Tree, make_tree


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    """Manifests, segments, artwork, subtitles, a staging folder and an escaping symlink."""
    return make_tree(tmp_path)


@pytest.fixture
def edge(tree: Tree) -> Iterator[RunningEdge]:
    """An EdgeServer over ``tree`` on its own loop thread, stopped after the test."""
    running = RunningEdge(tree.root)
    try:
        yield running
    finally:
        running.close()

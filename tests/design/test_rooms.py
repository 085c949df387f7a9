"""DESIGN.md's rooms: who may import whom (``ui → downloads → player → abr, drm_client``; the backend shares no
code with the client), and Qt only under ``ui/``. Read from every module's import statements, lazy ones included."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OURS = ("abr", "drm_client", "player", "downloads", "ui", "backend_stub")
MAY_IMPORT = {
    "abr": set(),
    "drm_client": set(),
    "player": {"abr", "drm_client"},
    "downloads": {"player", "drm_client"},
    # DESIGN.md's table lists player, downloads, backend_stub; ``reelbox abr-bench`` (a CLI contract) and the
    # settings' algorithm names reach ``abr`` directly, which keeps every arrow pointing down
    "ui": {"player", "downloads", "backend_stub", "abr"},
    "backend_stub": set(),
}
QT = ("PySide6", "shiboken6")


def _imports(path: Path) -> set[str]:
    """The top-level package of every module ``path`` imports (relative imports stay in their package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("room", OURS)
def test_each_room_imports_only_what_the_design_allows(room: str) -> None:
    wrong = {
        f"{path.relative_to(REPO)} imports {name}"
        for path in sorted((REPO / room).rglob("*.py"))
        for name in _imports(path)
        if (name in OURS and name != room and name not in MAY_IMPORT[room]) or (name in QT and room != "ui")
    }
    assert not wrong, sorted(wrong)

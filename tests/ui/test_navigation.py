"""Arrow-key focus moves (offscreen Qt, real widgets)."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.app.navigation import nearest


def test_down_from_a_wide_field_lands_on_the_first_tile(qtbot: Any) -> None:
    """Down from a full-width search field picks the row's first tile, not the one under the field's middle;
    Right from a tile picks its neighbour; Up from the 5th tile returns to the field."""
    root = QWidget()
    qtbot.addWidget(root)
    root.resize(1280, 400)
    field = QLineEdit()
    tiles = [QPushButton(f"tile {i}") for i in range(8)]
    for t in tiles:
        t.setFixedSize(120, 180)
    row = QHBoxLayout()
    for t in tiles:
        row.addWidget(t)
    row.addStretch(1)
    box = QVBoxLayout(root)
    box.addWidget(field)
    box.addLayout(row)
    root.show()
    qtbot.waitExposed(root)
    assert nearest(field, [field, *tiles], (0, 1)) is tiles[0]
    assert nearest(tiles[0], [field, *tiles], (1, 0)) is tiles[1]
    assert nearest(tiles[4], [field, *tiles], (0, -1)) is field

"""Arrow-key focus moves (offscreen Qt, real widgets)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
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



def test_remote_keys_move_past_a_menu_and_enter_opens_it(qtbot: Any, make_window: Any) -> None:
    """In Settings (TV), Down on a closed drop-down moves to the next control (a remote has no other way out) and
    leaves its value alone; Enter opens its list."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    window = make_window(tv=True)
    window.show()
    window.go("settings")
    quality = window.settings.quality
    quality.setFocus()
    qtbot.waitUntil(quality.hasFocus, timeout=5000)
    qtbot.keyClick(quality, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.settings.parallel and quality.currentIndex() == 0
    quality.setFocus()
    qtbot.keyClick(quality, Qt.Key.Key_Return)
    assert quality.view().isVisible()
    quality.hidePopup()


def test_seek_bar_previews_the_time_under_the_pointer_and_seeks_there(qtbot: Any) -> None:
    """Moving over the bar names the time under the pointer; a click there asks for that time."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    from ui.app.seek_bar import SeekBar

    bar = SeekBar()
    qtbot.addWidget(bar)
    bar.resize(600, 20)
    bar.show()
    qtbot.waitExposed(bar)
    bar.set_state(10.0, 30.0, 120.0)
    QTest.mouseMove(bar, QPoint(450, 10))
    qtbot.waitUntil(lambda: bar.preview_text == "01:30", timeout=2000)
    with qtbot.waitSignal(bar.seek_requested) as asked:
        QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=QPoint(150, 10))
    assert asked.args == [30.0]

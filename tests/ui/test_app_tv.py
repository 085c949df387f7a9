"""TV (10-foot) mode: arrows, Enter and Back alone reach a title and play it; large type; media keys."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import open_tv_home


def _press(qtbot: Any, key: Qt.Key) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key)


def test_tv_arrows_and_enter_reach_a_title_and_play_it(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """From home, Down/Right/Enter open a title, Enter starts playback that advances, Back returns to the title page."""
    window = open_tv_home(qtbot, make_window, ui_backend.api_url)
    assert window.font().pixelSize() >= 24 or window.home.tile_size.height() >= 300
    assert QApplication.focusWidget() is window.home.hero.play_button  # the featured title's Play
    _press(qtbot, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.home.rows[0].tiles[0]
    _press(qtbot, Qt.Key.Key_Right)
    assert QApplication.focusWidget() is window.home.rows[0].tiles[1]
    _press(qtbot, Qt.Key.Key_Down)
    focused = QApplication.focusWidget()
    assert focused in window.home.rows[1].tiles
    with qtbot.waitSignal(window.title_page.loaded, timeout=10000):
        _press(qtbot, Qt.Key.Key_Return)
    assert window.current == ("title", focused.title.id)
    assert QApplication.focusWidget() is window.title_page.play_button
    with qtbot.waitSignal(window.controller.stats_changed, timeout=20000):
        _press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: (window.controller.last_stats.get("position_s") or 0) > 0.5, timeout=20000)
    _press(qtbot, Qt.Key.Key_MediaTogglePlayPause)
    assert window.controller.paused
    _press(qtbot, Qt.Key.Key_Back)
    assert window.current[0] == "title" and not window.controller.active
    _press(qtbot, Qt.Key.Key_Back)
    assert window.current[0] == "home"


def test_tv_focus_ring_is_visible(qtbot: Any, make_window: Any) -> None:
    """The TV style draws a thick focus ring on tiles and buttons (seen from the sofa)."""
    window = make_window(tv=True)
    sheet = window.styleSheet()
    assert "QToolButton#tile:focus { border: 5px" in sheet and "font-size: 26px" in sheet

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


def test_tv_player_menus_fit_a_994_px_window(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """A download playing in a 994 px TV window: the "Audio default" menu lies within the control bar at its full
    width (the menus wrap onto another row instead of being cut short), the bar within the player, and nothing in the
    window is outside it or too narrow for its text; at 1280 and 1920 px the menus still share one row. At 1200 px
    the quality menu widened by the ladder wraps the row during the play, and the bar grows to hold it."""
    from tests.ui.xvfb_kit import fit_problems
    from ui.app.styles import TV_SAFE_MARGIN

    window = open_tv_home(qtbot, make_window, ui_backend.api_url)
    window.downloads.start("ui-alpha")
    qtbot.waitUntil(lambda: any(i.state == "complete" for i in window.downloads.last), timeout=30000)
    info = next(i for i in window.downloads.last if i.state == "complete")
    player, bar = window.player, window.player.overlay
    with qtbot.waitSignal(window.controller.started, timeout=10000):
        window._play_download(info)
        window.resize(1200, 720)  # one row until the ladder widens the quality menu (home is wider than 1200 px)
    qtbot.waitUntil(lambda: bar.width() == player.width() == 1200 - 2 * TV_SAFE_MARGIN, timeout=5000)
    one_row = (player.quality.count(), bar.height())
    qtbot.waitUntil(lambda: player.quality.count() > 1, timeout=15000)  # the ladder: the quality menu at its widest
    qtbot.waitUntil(lambda: bar.height() > one_row[1], timeout=5000)  # a row more, the bar placed again
    assert one_row[0] == 1 and player.rect().contains(bar.geometry())
    window.controller.set_paused(True)
    player.show_overlay()
    assert player.audio.currentText() == "Audio default"
    rows: dict[int, set[int]] = {}
    for width in (994, 1280, 1920):
        window.resize(width, 720)
        qtbot.waitUntil(lambda w=width: window.width() == w and bar.width() == player.width(), timeout=5000)
        qtbot.wait(100)  # posted layout requests: the bar's height for its width
        audio = player.audio
        assert bar.rect().contains(audio.geometry()) and audio.width() >= audio.sizeHint().width(), (
            width, audio.geometry(), bar.rect(), audio.sizeHint())
        assert player.rect().contains(bar.geometry()), (width, bar.geometry(), player.rect())
        assert not fit_problems(window), (width, fit_problems(window))
        rows[width] = {w.geometry().center().y() for w in (player.audio, bar.help_button)}
    assert len(rows[994]) == 2 and len(rows[1280]) == len(rows[1920]) == 1, rows

"""Desktop mode driven by the keyboard against a real backend (offscreen Qt, real engine thread)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import TITLES, open_title, sign_in


def _focused() -> Any:
    return QApplication.focusWidget()


def test_sign_in_by_keyboard_shows_rows_and_remembers_token(qtbot: Any, make_window: Any, memory_keyring: Any) -> None:
    """Typing e-mail, Enter, password, Enter signs in, fills home with New and genre rows, and stores the refresh token."""
    window = make_window()
    window.show()
    window.start()
    sign_in(qtbot, window)
    headings = [row.heading for row in window.home.rows]
    assert "New" in headings and "Test" in headings
    assert {t.title.id for row in window.home.rows for t in row.tiles} == set(TITLES)
    assert any(key[1].startswith("refresh:") for key in memory_keyring.store)


def test_remembered_sign_in_skips_the_password(qtbot: Any, make_window: Any) -> None:
    """A second window signs in with the keyring's refresh token without any typing."""
    first = make_window()
    first.show()
    first.start()
    sign_in(qtbot, first)
    second = make_window()
    second.show()
    with qtbot.waitSignal(second.home.loaded, timeout=15000):
        second.start()
    assert second.current[0] == "home"


def test_wrong_password_reads_as_a_sentence(qtbot: Any, make_window: Any) -> None:
    """A refused sign-in shows what to do next, not an HTTP status or a traceback."""
    window = make_window()
    window.show()
    window.signin.focus_first()
    qtbot.keyClicks(window.signin.email, "demo@reelbox.local")
    qtbot.keyClicks(window.signin.password, "nope")
    qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "try again" in window.signin.status.text(), timeout=15000)
    assert "HTTP" not in window.signin.status.text() and "Traceback" not in window.signin.status.text()


def test_search_as_you_type_then_title_page_then_player_then_back(qtbot: Any, make_window: Any) -> None:
    """Ctrl+F, typing a word narrows the rows; Down+Enter opens the title page; Enter plays; Esc returns to the title."""
    window = make_window()
    window.show()
    window.start()
    sign_in(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert _focused() is window.home.search
    with qtbot.waitSignal(window.home.loaded, timeout=10000):
        qtbot.keyClicks(window.home.search, "beta")
    assert [t.title.id for row in window.home.rows for t in row.tiles] == ["ui-beta"]
    qtbot.keyClick(window.home.search, Qt.Key.Key_Down)
    assert getattr(_focused(), "title", None) is not None and _focused().title.id == "ui-beta"
    with qtbot.waitSignal(window.title_page.loaded, timeout=10000):
        qtbot.keyClick(_focused(), Qt.Key.Key_Return)
    page = window.title_page
    assert page.heading.text() == "Test ui-beta" and "Cast: Test Pattern" in page.cast.text()
    assert _focused() is page.play_button and page.play_button.text() == "Play"
    with qtbot.waitSignal(window.controller.stats_changed, timeout=20000):
        qtbot.keyClick(page.play_button, Qt.Key.Key_Return)
    assert window.current[0] == "player"
    qtbot.waitUntil(lambda: (window.controller.last_stats.get("position_s") or 0) > 0.3, timeout=20000)
    assert window.controller.last_stats["ladder"] and window.player.quality.count() == 1 + len(window.controller.last_stats["ladder"])
    qtbot.keyClick(window.player, Qt.Key.Key_I)
    assert window.player.stats_panel.isVisible() and "Buffer" in window.player.stats_panel.text()
    qtbot.keyClick(window.player, Qt.Key.Key_Space)
    assert window.controller.paused
    qtbot.waitUntil(lambda: window.controller.last_stats.get("paused") is True, timeout=5000)
    qtbot.keyClick(window.player, Qt.Key.Key_Escape)
    assert window.current[0] == "title" and not window.controller.active


def test_player_keys_volume_mute_quality(qtbot: Any, make_window: Any) -> None:
    """↑/↓ change the volume by 5, m mutes, c pins the next quality rung and the engine reports it."""
    window = open_title(qtbot, make_window, "ui-alpha")
    qtbot.keyClick(window.title_page.play_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.controller.last_stats.get("ladder")), timeout=20000)
    player = window.player
    qtbot.keyClick(player, Qt.Key.Key_Down)
    assert window.controller.volume == 95
    qtbot.keyClick(player, Qt.Key.Key_Up)
    qtbot.keyClick(player, Qt.Key.Key_Up)
    assert window.controller.volume == 100  # capped
    qtbot.keyClick(player, Qt.Key.Key_M)
    assert window.controller.muted and player.mute_button.text() == "Unmute"
    qtbot.keyClick(player, Qt.Key.Key_C)
    assert player.quality.currentData() == 0
    qtbot.waitUntil(lambda: window.controller.last_stats.get("forced_rung") == 0, timeout=5000)


def test_settings_and_downloads_screens_by_keyboard(qtbot: Any, make_window: Any, reelbox_home: Any) -> None:
    """Arrows reach Settings in the bar; changing parallelism is saved to config.toml; Downloads lists nothing yet."""
    from ui.app.config import load_config

    window = make_window()
    window.show()
    window.start()
    sign_in(qtbot, window)
    window.nav_buttons["home"].setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    assert QApplication.focusWidget() is window.nav_buttons["downloads"]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.current[0] == "downloads"
    qtbot.waitUntil(lambda: "No downloads yet" in window.downloads_page.status.text(), timeout=10000)
    qtbot.keyClick(window.nav_buttons["downloads"], Qt.Key.Key_Right)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.current[0] == "settings" and QApplication.focusWidget() is window.settings.backend_url
    window.settings.parallel.setFocus()
    qtbot.keyClick(window.settings.parallel, Qt.Key.Key_Up)
    assert load_config(reelbox_home / "config" / "config.toml").download_parallelism == 3
    qtbot.keyClick(window.settings.parallel, Qt.Key.Key_Escape)
    assert window.current[0] == "downloads"


def test_account_menu_opens_settings_and_signs_out(qtbot: Any, make_window: Any) -> None:
    """On a desktop the account menu's Settings and Sign out act at once (a kiosk asks its PIN first:
    test_kiosk_settings_and_sign_out_ask_for_the_pin), and so does the sign-in screen's Settings link."""
    from ui.app import credentials

    window = make_window()
    window.show()
    window.start()
    sign_in(qtbot, window)
    window.account.settings_action.trigger()
    assert window.current[0] == "settings"
    window.go_back()
    window.account.sign_out_action.trigger()
    assert window.current[0] == "signin"
    assert credentials.recall(window.ctx.config.backend_url, window.ctx.config.email) is None
    window.signin.settings_link.click()
    assert window.current[0] == "settings"

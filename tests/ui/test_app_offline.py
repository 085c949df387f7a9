"""No backend: the app opens on the offline downloads and says it is offline; Settings stay reachable."""
from __future__ import annotations

import socket
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import sign_in


def _dead_url() -> str:
    """An address where nothing listens (a port bound and closed again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_no_backend_opens_on_offline_downloads_that_play(qtbot: Any, make_window: Any) -> None:
    """A download made online is listed and playable when the backend is gone; the banner says offline and
    names the address; Right from Downloads in the bar reaches Settings; Home is not offered."""
    online = make_window()
    online.show()
    online.start()
    sign_in(qtbot, online)
    online.downloads.start("ui-alpha")
    qtbot.waitUntil(lambda: any(i.state == "complete" for i in online.downloads.last), timeout=30000)
    online.shutdown()

    dead = _dead_url()
    window = make_window(backend_url=dead)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.current[0] == "downloads" and bool(window.downloads_page.rows), timeout=15000)
    assert window.offline_banner.isVisible() and "offline" in window.offline_text.text().lower() and dead in window.offline_text.text()
    assert not window.nav_buttons["home"].isVisible() and window.nav_buttons["settings"].isVisible()
    row = next(iter(window.downloads_page.rows.values()))
    assert row.buttons["Play"].isEnabled()
    window.nav_buttons["downloads"].setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.current[0] == "settings"
    with qtbot.waitSignal(window.controller.finished, timeout=30000):
        window.go("downloads")
        row = next(iter(window.downloads_page.rows.values()))
        qtbot.waitUntil(row.buttons["Play"].isEnabled, timeout=5000)
        row.buttons["Play"].click()
    assert window.player.message.isHidden()


def test_sign_in_screen_links_to_downloads_and_settings(qtbot: Any, make_window: Any) -> None:
    """The sign-in screen is no dead end: its links open Downloads and Settings."""
    window = make_window()
    window.show()
    window.start()
    window.signin.settings_link.click()
    assert window.current[0] == "settings"
    window.go_back()
    window.signin.downloads_link.click()
    assert window.current[0] == "downloads"

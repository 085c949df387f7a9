"""Kiosk mode: the PIN guards quitting, the last screen comes back after a restart, downloads when offline."""
from __future__ import annotations

from typing import Any

from tests.ui.conftest import sign_in


def test_kiosk_quits_only_with_the_pin(qtbot: Any, make_window: Any) -> None:
    """Closing with a wrong PIN keeps the window; the configured PIN lets it close."""
    window = make_window(kiosk=True)
    window.show()
    guard = window.kiosk_guard
    guard.ask_pin = lambda: "9999"
    assert not window.close() and window.isVisible()
    guard.ask_pin = lambda: window.ctx.config.kiosk_pin
    assert window.close()


def test_kiosk_restores_last_screen_and_falls_back_offline(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """A restarted kiosk opens the title it showed last; with the backend gone it shows the downloads row."""
    first = make_window(kiosk=True)
    first.show()
    first.start()
    sign_in(qtbot, first)
    with qtbot.waitSignal(first.title_page.loaded, timeout=10000):
        first.go("title", "ui-beta")
    first.kiosk_guard.unlock(first.ctx.config.kiosk_pin)
    first.close()
    second = make_window(kiosk=True)
    second.show()
    with qtbot.waitSignal(second.title_page.loaded, timeout=15000):
        second.start()
    assert second.current == ("title", "ui-beta")
    ui_backend.stop()
    second.kiosk_guard.check()
    qtbot.waitUntil(lambda: second.kiosk_guard.offline and second.current[0] == "home", timeout=15000)
    qtbot.waitUntil(lambda: [r.heading for r in second.home.rows] == ["Downloaded"], timeout=10000)
    assert "cannot be reached" in second.home.status.text()

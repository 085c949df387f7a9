"""Kiosk mode: the PIN guards quitting, the last screen comes back after a restart, downloads when offline."""
from __future__ import annotations

from typing import Any

from tests.ui.conftest import KIOSK_PIN, sign_in


def test_kiosk_quits_only_with_the_pin(qtbot: Any, make_window: Any) -> None:
    """Closing with a wrong PIN keeps the window; the configured PIN lets it close."""
    window = make_window(kiosk=True)
    window.show()
    guard = window.kiosk_guard
    guard.ask_pin = lambda: "9999"
    assert not window.close() and window.isVisible()
    guard.ask_pin = lambda: KIOSK_PIN
    assert window.close()


def test_kiosk_restores_last_screen_and_falls_back_offline(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """A restarted kiosk opens the title it showed last; with the backend gone it shows the downloads row."""
    first = make_window(kiosk=True)
    first.show()
    first.start()
    sign_in(qtbot, first)
    with qtbot.waitSignal(first.title_page.loaded, timeout=10000):
        first.go("title", "ui-beta")
    first.kiosk_guard.unlock(KIOSK_PIN)
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


def test_kiosk_pin_is_stored_only_as_a_hash(tmp_path: Any, reelbox_home: Any) -> None:
    """`reelbox kiosk-pin` (what provisioning runs) stores a salted hash that verifies, never the PIN; a clear-text
    PIN in an older config.toml is replaced by its hash on the first load; there is no default PIN."""
    import os
    import subprocess
    import sys

    from player.paths import config_file
    from ui.app.config import AppConfig, load_config
    from ui.app.pin import verify_pin

    assert AppConfig().kiosk_pin_hash == ""
    run = subprocess.run([sys.executable, "-m", "ui", "kiosk-pin"], input="271828\n", capture_output=True, text=True,
                         env=dict(os.environ, REELBOX_HOME=str(reelbox_home)), timeout=60)
    assert run.returncode == 0, run.stderr
    text = config_file().read_text()
    assert "271828" not in text and verify_pin("271828", load_config().kiosk_pin_hash)
    assert not verify_pin("271829", load_config().kiosk_pin_hash)

    legacy = tmp_path / "legacy.toml"
    legacy.write_text('[app]\nkiosk_pin = "0420"\nemail = "box@example.com"\n')
    config = load_config(legacy)
    assert verify_pin("0420", config.kiosk_pin_hash) and config.email == "box@example.com"
    assert "0420" not in legacy.read_text() and "kiosk_pin_hash" in legacy.read_text()

    old_default = tmp_path / "old-default.toml"  # every file the old writer saved held the default "0000"
    old_default.write_text('[app]\nkiosk_pin = "0000"\nemail = "box@example.com"\n')
    config = load_config(old_default)
    assert config.kiosk_pin_hash == "" and "kiosk_pin =" not in old_default.read_text()

"""Kiosk mode: the PIN guards quitting, the last screen comes back after a restart, downloads when offline, a failed
play is played again after a wait."""
from __future__ import annotations

from typing import Any

from tests.ui.conftest import KIOSK_PIN, edge_faults, sign_in


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


def test_kiosk_plays_a_failed_title_again_after_a_wait(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """A play that fails (every edge answers 404) keeps its sentence on screen with when it will try again, and the
    same title is played again after that wait, to its end once the edges are back — no one is there to press Play."""
    from ui.app.kiosk import PlayRetry

    window = make_window(kiosk=True)
    window.show()
    window.start()
    sign_in(qtbot, window)
    window.kiosk_guard.retry = PlayRetry((1.0,))
    with qtbot.waitSignal(window.title_page.loaded, timeout=10000):
        window.go("title", "ui-beta")
    edge_faults(ui_backend.api_url, {"error_status": 404})
    with qtbot.waitSignal(window.controller.failed, timeout=30000):
        window.title_page.play.emit("ui-beta", 0.0)
    qtbot.waitUntil(lambda: "Trying again in 1 s." in window.player.message.text(), timeout=2000)
    assert window.player.message.isVisible() and window.current[0] == "player"
    edge_faults(ui_backend.api_url, {})
    with qtbot.waitSignal(window.controller.finished, timeout=30000) as ended:
        pass  # the retry, a second after the failure
    assert window.controller.title_id == "ui-beta" and ended.args[0]["played_s"] >= 5.0


def test_play_retry_waits_longer_each_time_and_starts_over_after_a_long_play() -> None:
    """The waits grow to the last and stay there; a play that ran for the longest wait before failing starts over."""
    from ui.app.kiosk import PlayRetry

    retry = PlayRetry((5.0, 15.0, 60.0))
    retry.started(0.0)
    assert [retry.failed(1.0), retry.failed(2.0), retry.failed(3.0), retry.failed(4.0)] == [5.0, 15.0, 60.0, 60.0]
    retry.started(100.0)
    assert retry.failed(160.0) == 5.0


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

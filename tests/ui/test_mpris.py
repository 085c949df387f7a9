"""MPRIS2 over a private D-Bus session bus: media keys and desktop widgets drive the player (issue 6 TV mode)."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.ui.conftest import KIOSK_PIN, sign_in

SERVICE = "org.mpris.MediaPlayer2.reelbox"
PATH = "/org/mpris/MediaPlayer2"


@pytest.fixture
def private_bus() -> Iterator[str]:
    """A ``dbus-daemon --session`` of our own (stopped by PID); yields its address."""
    if shutil.which("dbus-daemon") is None or shutil.which("dbus-send") is None:
        pytest.skip("dbus-daemon/dbus-send not installed (Debian package dbus)")
    proc = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    assert address.startswith("unix:"), address
    yield address
    proc.terminate()
    proc.wait(5)


def _dbus_send(qtbot: Any, address: str, *args: str) -> str:
    """Run dbus-send while the Qt loop keeps turning (our adaptor answers from the GUI thread)."""
    proc = subprocess.Popen(["dbus-send", f"--bus={address}", "--print-reply", f"--dest={SERVICE}", PATH, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=10000)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return out


def _status(qtbot: Any, address: str) -> str:
    out = _dbus_send(qtbot, address, "org.freedesktop.DBus.Properties.Get",
                     "string:org.mpris.MediaPlayer2.Player", "string:PlaybackStatus")
    return out.split('"')[1]


@contextmanager
def _exported(window: Any, address: str) -> Iterator[None]:
    """``window`` on MPRIS over the bus at ``address`` (a connection of our own: Qt caches the session bus)."""
    from PySide6.QtDBus import QDBusConnection

    from ui.app.mpris import export_mpris

    bus = QDBusConnection.connectToBus(address, "reelbox-mpris-test")
    try:
        assert bus.isConnected()
        export = export_mpris(window, bus)
        assert export is not None and export.registered
        yield
    finally:
        bus.unregisterService(SERVICE)
        bus.unregisterObject(PATH)
        QDBusConnection.disconnectFromBus("reelbox-mpris-test")


def _play_alpha(qtbot: Any, window: Any) -> None:
    """Sign in, open ui-alpha's page and play it until it has shown 0.3 s."""
    window.show()
    window.start()
    sign_in(qtbot, window)
    with qtbot.waitSignal(window.title_page.loaded, timeout=10000):
        window.go("title", "ui-alpha")
    window.title_page.play_button.click()
    qtbot.waitUntil(lambda: (window.controller.last_stats.get("position_s") or 0) > 0.3, timeout=20000)


def test_mpris_playpause_over_dbus_toggles_playback_and_status(qtbot: Any, make_window: Any, private_bus: str) -> None:
    """PlayPause sent with dbus-send pauses and resumes the playing title; PlaybackStatus reads Stopped, Playing,
    Paused, Playing; Identity is Reelbox; Stop leaves the player for the title's page."""
    window = make_window()
    with _exported(window, private_bus):
        assert _status(qtbot, private_bus) == "Stopped"
        assert '"Reelbox"' in _dbus_send(qtbot, private_bus, "org.freedesktop.DBus.Properties.Get",
                                         "string:org.mpris.MediaPlayer2", "string:Identity")
        _play_alpha(qtbot, window)
        assert _status(qtbot, private_bus) == "Playing"
        _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Player.PlayPause")
        assert window.controller.paused
        qtbot.waitUntil(lambda: window.controller.last_stats.get("paused") is True, timeout=5000)
        assert _status(qtbot, private_bus) == "Paused"
        _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Player.PlayPause")
        assert _status(qtbot, private_bus) == "Playing" and not window.controller.paused
        _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Player.Stop")
        assert window.current[0] == "title" and _status(qtbot, private_bus) == "Stopped"


def test_mpris_stop_and_quit_on_a_kiosk_need_the_pin(qtbot: Any, make_window: Any, private_bus: str) -> None:
    """A kiosk (with MPRIS, as ``--tv --kiosk`` has it) leaves the player by MPRIS Stop only with the PIN, as by its
    Back keys: a wrong PIN, or none, and the title plays on; Quit with a wrong PIN keeps the window open."""
    window = make_window(kiosk=True)
    with _exported(window, private_bus):
        _play_alpha(qtbot, window)
        window.controller.set_paused(True)  # a 6 s title must not end under the test
        asked: list[str] = []
        for pin in ("9999", None):
            window.kiosk_guard.ask_pin = lambda prompt="", pin=pin: asked.append(prompt) or pin
            _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Player.Stop")
            assert window.current == ("player", "ui-alpha") and window.controller.active, pin
        _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Quit")
        assert window.isVisible() and window.controller.active
        assert asked[:2] == ["PIN to leave the player:"] * 2 and len(asked) == 3  # then Quit's, to exit
        window.kiosk_guard.ask_pin = lambda prompt="": KIOSK_PIN
        _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Player.Stop")
        assert window.current == ("title", "ui-alpha") and not window.controller.active
        with qtbot.waitSignal(window.controller.started, timeout=10000):
            window.title_page.play_button.click()
        # the play ends by itself (back to the title's page) while the PIN is asked: the PIN then moves nothing
        window.kiosk_guard.ask_pin = lambda prompt="": window._player_ended() or KIOSK_PIN
        _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Player.Stop")
        assert window.current == ("title", "ui-alpha")

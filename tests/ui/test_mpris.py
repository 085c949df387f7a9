"""MPRIS2 over a private D-Bus session bus: media keys and desktop widgets drive the player (issue 6 TV mode)."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.ui.conftest import sign_in

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


def test_mpris_playpause_over_dbus_toggles_playback_and_status(qtbot: Any, make_window: Any, private_bus: str) -> None:
    """PlayPause sent with dbus-send pauses and resumes the playing title; PlaybackStatus reads Stopped, Playing,
    Paused, Playing; Identity is Reelbox."""
    from PySide6.QtDBus import QDBusConnection

    from ui.app.mpris import export_mpris

    bus = QDBusConnection.connectToBus(private_bus, "reelbox-mpris-test")
    try:
        assert bus.isConnected()
        window = make_window()
        export = export_mpris(window, bus)
        assert export is not None and export.registered
        window.show()
        window.start()
        sign_in(qtbot, window)
        assert _status(qtbot, private_bus) == "Stopped"
        assert '"Reelbox"' in _dbus_send(qtbot, private_bus, "org.freedesktop.DBus.Properties.Get",
                                         "string:org.mpris.MediaPlayer2", "string:Identity")
        with qtbot.waitSignal(window.title_page.loaded, timeout=10000):
            window.go("title", "ui-alpha")
        window.title_page.play_button.click()
        qtbot.waitUntil(lambda: (window.controller.last_stats.get("position_s") or 0) > 0.3, timeout=20000)
        assert _status(qtbot, private_bus) == "Playing"
        _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Player.PlayPause")
        assert window.controller.paused
        qtbot.waitUntil(lambda: window.controller.last_stats.get("paused") is True, timeout=5000)
        assert _status(qtbot, private_bus) == "Paused"
        _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Player.PlayPause")
        assert _status(qtbot, private_bus) == "Playing" and not window.controller.paused
        _dbus_send(qtbot, private_bus, "org.mpris.MediaPlayer2.Player.Stop")
        assert window.current[0] == "title" and _status(qtbot, private_bus) == "Stopped"
    finally:
        bus.unregisterService(SERVICE)
        bus.unregisterObject(PATH)
        QDBusConnection.disconnectFromBus("reelbox-mpris-test")

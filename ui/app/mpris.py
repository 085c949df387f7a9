"""MPRIS2 over D-Bus (QtDBus) so media keys and desktop widgets control playback (issue 6 TV mode).

Exports ``org.mpris.MediaPlayer2.reelbox`` at ``/org/mpris/MediaPlayer2`` with the root and Player
interfaces' methods (PlayPause, Play, Pause, Stop, Next/Previous as ±seek, Seek, Raise, Quit) and
``PlaybackStatus``. Without a session bus (headless boxes) nothing is exported and the app runs on.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import ClassInfo, Property, QObject, Slot
from PySide6.QtDBus import QDBusAbstractAdaptor, QDBusConnection

SERVICE = "org.mpris.MediaPlayer2.reelbox"
PATH = "/org/mpris/MediaPlayer2"


@ClassInfo({"D-Bus Interface": "org.mpris.MediaPlayer2"})
class RootAdaptor(QDBusAbstractAdaptor):
    def __init__(self, parent: QObject, window: Any) -> None:
        super().__init__(parent)
        self.window = window

    @Slot()
    def Raise(self) -> None:  # noqa: N802 (D-Bus names)
        self.window.raise_()
        self.window.activateWindow()

    @Slot()
    def Quit(self) -> None:  # noqa: N802
        self.window.close()  # a kiosk's closeEvent asks for the PIN (KioskGuard.may_close)

    def _identity(self) -> str:
        return "Reelbox"

    Identity = Property(str, _identity)


@ClassInfo({"D-Bus Interface": "org.mpris.MediaPlayer2.Player"})
class PlayerAdaptor(QDBusAbstractAdaptor):
    def __init__(self, parent: QObject, window: Any) -> None:
        super().__init__(parent)
        self.window = window

    @property
    def _c(self) -> Any:
        return self.window.controller

    @Slot()
    def PlayPause(self) -> None:  # noqa: N802
        self._c.toggle_pause()

    @Slot()
    def Play(self) -> None:  # noqa: N802
        self._c.set_paused(False)

    @Slot()
    def Pause(self) -> None:  # noqa: N802
        self._c.set_paused(True)

    @Slot()
    def Stop(self) -> None:  # noqa: N802
        """Leave the player as its Back does: in kiosk mode only with the PIN (``MainWindow.leave_player``)."""
        self.window.leave_player()

    @Slot()
    def Next(self) -> None:  # noqa: N802
        self._c.seek_relative(30.0)

    @Slot()
    def Previous(self) -> None:  # noqa: N802
        self._c.seek_relative(-30.0)

    @Slot("qlonglong")
    def Seek(self, offset_us: int) -> None:  # noqa: N802
        self._c.seek_relative(offset_us / 1e6)

    def _status(self) -> str:
        if not self._c.active:
            return "Stopped"
        return "Paused" if self._c.paused else "Playing"

    PlaybackStatus = Property(str, _status)


class MprisExport(QObject):
    """Holds the adaptors; ``registered`` tells whether the bus accepted the name."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.root = RootAdaptor(self, window)
        self.player = PlayerAdaptor(self, window)
        self.registered = False


def export_mpris(window: Any, bus: QDBusConnection | None = None) -> MprisExport | None:
    """Register on ``bus`` (default: the session bus); None (and no error) when it is not connected.

    Tests pass a connection to a private ``dbus-daemon``: Qt caches the session bus per process.
    """
    bus = QDBusConnection.sessionBus() if bus is None else bus
    if not bus.isConnected():
        return None
    export = MprisExport(window)
    if not bus.registerObject(PATH, export, QDBusConnection.RegisterOption.ExportAdaptors):
        return export
    export.registered = bus.registerService(SERVICE)
    return export

"""Kiosk mode (issue 6): fullscreen without chrome, quit only with the PIN from the config, the last
screen restored after a restart (``MainWindow`` saves it), and downloaded titles when the backend is
unreachable — back to the catalog by itself when the backend returns.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QLineEdit

from ui.app.api import Title
from ui.app.pin import verify_pin

PING_MS = 3000


class KioskGuard(QObject):
    """Owns the kiosk rules for one window."""

    def __init__(self, window: Any, *, ping_ms: int = PING_MS) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        self._unlocked = False
        self.offline = False
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.nav_buttons["settings"].hide()  # settings are for the operator, behind the PIN
        QShortcut(QKeySequence("Ctrl+Q"), window, activated=window.close)
        QShortcut(QKeySequence("Ctrl+Alt+Q"), window, activated=window.close)
        self.timer = QTimer(self)
        self.timer.setInterval(ping_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    # -- quitting ---------------------------------------------------------------------------
    def unlock(self, pin: str) -> bool:
        """True (and closing allowed) when ``pin`` matches the configured one."""
        self._unlocked = verify_pin(pin, self.ctx.config.kiosk_pin_hash)
        return self._unlocked

    def ask_pin(self) -> str | None:
        pin, ok = QInputDialog.getText(self.window, "Reelbox kiosk", "PIN to exit:", QLineEdit.EchoMode.Password)
        return pin if ok else None

    def may_close(self) -> bool:
        if self._unlocked:
            return True
        pin = self.ask_pin()
        return pin is not None and self.unlock(pin)

    # -- connectivity -----------------------------------------------------------------------
    def check(self) -> None:
        """Ping the catalog; switch to downloads when it fails and back when it answers."""
        if self.ctx.api is None:
            self.ctx.connect(self.ctx.config.backend_url)
        api = self.ctx.api
        self.ctx.engine.submit(api.ping(), self._pinged, lambda exc: self._pinged(False))

    def _pinged(self, up: bool) -> None:
        if not up and not self.offline:
            self.offline = True
            self.ctx.online = False
            self.show_downloaded()
        elif up and self.offline:
            self.offline = False
            self.ctx.online = True
            w = self.window
            if w.ctx.backend is not None and w.ctx.backend.refresh_token is None and not w.signin.try_remembered():
                w._show("signin", None)
            elif w.current[0] == "home":
                w.home.reload()
            else:
                w._show("home", None)

    def show_downloaded(self) -> None:
        """Home with only the playable downloads (a tile opens the download's player)."""
        w = self.window
        bridge = w.downloads

        def show(items: list[Any]) -> None:
            titles = [
                (Title(id=i.title_id, name=i.name, description="", genres=(), cast=(), year=None, duration_s=0.0,
                       audio_langs=(), subtitle_langs=(), artwork_url="", protected=i.protected), None)
                for i in items if i.playable
            ]
            if w.current[0] not in ("home", "player"):
                w._show("home", None)
            w.home.show_offline(titles)
            for row in w.home.rows:
                for tile in row.tiles:
                    info = next(i for i in items if i.title_id == tile.title.id)
                    tile.activated.disconnect()
                    tile.activated.connect(lambda _tid, info=info: w._play_download(info))

        async def listing() -> list[Any]:
            manager = await bridge._open()
            return manager.list()

        self.ctx.engine.submit(listing(), show, lambda exc: w.home.show_offline([]))

"""Kiosk mode (issue 6): fullscreen without chrome, quit only with the PIN from the config, the last
screen restored after a restart (``MainWindow`` saves it), and downloaded titles when the backend is
unreachable — back to the catalog by itself when the backend returns. A play that fails (a live stream
that stopped, edges that answer nothing) is played again after a growing wait (:class:`PlayRetry`), the
wait written under the failure: nobody is there to press Play, and boxes run unattended for months.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QLineEdit

from ui.app.api import Title
from ui.app.pin import verify_pin

PING_MS = 3000
RETRY_S = (5.0, 15.0, 60.0, 300.0)  # waits before playing a failed title again; the last one repeats


class PlayRetry:
    """How long to wait before playing a failed title again: each wait in ``waits_s`` in turn, then the
    last for as long as it keeps failing. A play that ran for the longest wait before it failed starts the
    count over: a channel that dies after weeks is retried soon, one that dies seconds after every start
    is not hammered. Time is passed in."""

    def __init__(self, waits_s: Sequence[float] = RETRY_S) -> None:
        self.waits_s = tuple(waits_s)
        self.failures = 0
        self._started_s: float | None = None

    def started(self, now_s: float) -> None:
        self._started_s = now_s

    def failed(self, now_s: float) -> float:
        """Seconds to wait before the next attempt."""
        if self._started_s is not None and now_s - self._started_s >= self.waits_s[-1]:
            self.failures = 0
        wait_s = self.waits_s[min(self.failures, len(self.waits_s) - 1)]
        self.failures += 1
        return wait_s

    def reset(self) -> None:
        self.failures = 0
        self._started_s = None


class KioskGuard(QObject):
    """Owns the kiosk rules for one window."""

    def __init__(self, window: Any, *, ping_ms: int = PING_MS, clock: Callable[[], float] = time.monotonic) -> None:
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
        self.clock = clock
        self.retry = PlayRetry()
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.timeout.connect(self._play_again)
        window.controller.started.connect(lambda: self.retry.started(self.clock()))
        window.controller.failed.connect(self._play_failed)
        window.controller.finished.connect(lambda _report: self.retry.reset())
        window.screen_changed.connect(self._screen_changed)

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

    # -- failed plays ---------------------------------------------------------------------------
    def _play_failed(self, text: str) -> None:
        """Keep the failure on screen, say when the title plays again, and play it then."""
        if self.window.current[0] != "player":
            return
        wait_s = self.retry.failed(self.clock())
        self.window.player.show_message(f"{text}\nTrying again in {wait_s:g} s.")
        self.retry_timer.start(round(wait_s * 1000))

    def _play_again(self) -> None:
        if self.window.current[0] == "player" and not self.window.controller.active:
            self.window.player.retry()

    def _screen_changed(self, _name: str) -> None:
        """Any move between screens (the viewer chose something else, the backend came back) ends the retries."""
        self.retry_timer.stop()
        self.retry.reset()

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

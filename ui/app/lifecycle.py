"""Process life cycle for the app: quit on SIGTERM/SIGINT, and systemd's READY/WATCHDOG/STOPPING.

Why: a Qt event loop runs in C++, so a Python signal handler would wait for the next Python callback
(possibly forever). ``signal.set_wakeup_fd`` writes a byte into a socket the moment a signal arrives;
a ``QSocketNotifier`` on the other end wakes the loop, and the handler runs there (the Qt docs'
"Calling Qt Functions From Unix Signal Handlers" pattern). The kiosk unit stops the app with SIGTERM
(``packaging/kiosk/reelbox-kiosk.service``), which must not ask for the kiosk PIN.

The watchdog pings come from a ``QTimer`` on the GUI thread (``ui/sd_notify.py``, sd_watchdog_enabled(3)
"half the interval"): if the event loop hangs the pings stop and systemd restarts the app.
"""
from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

from ui.sd_notify import Notifier

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class SignalQuitter(QObject):
    """Calls ``on_signal(signum)`` on the GUI thread when one of ``signals`` arrives; :meth:`close` undoes it."""

    def __init__(self, on_signal: Callable[[int], None], signals: Iterable[signal.Signals] = QUIT_SIGNALS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_signal = on_signal
        self._reader, self._writer = socket.socketpair()
        for sock in (self._reader, self._writer):
            sock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous: dict[int, Any] = {}
        for sig in signals:
            self._previous[sig] = signal.signal(sig, lambda *_: None)  # the byte in the socket is the message
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _drain(self) -> None:
        try:
            data = self._reader.recv(64)
        except BlockingIOError:
            return
        for signum in data:
            if signum in self._previous:
                self._on_signal(signum)

    def close(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._reader.close()
        self._writer.close()


class Watchdog(QObject):
    """READY=1 once, then WATCHDOG=1 every half ``WATCHDOG_USEC`` from the GUI thread; STOPPING=1 on the way out.

    Every call is harmless without systemd (the notifier is then a no-op).
    """

    def __init__(self, notifier: Notifier | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.notifier = notifier if notifier is not None else Notifier.from_env()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.notifier.watchdog)
        self.is_ready = False

    def ready(self, status: str | None = None) -> None:
        """The first screen is up: tell systemd, and start feeding the watchdog."""
        if self.is_ready:
            return
        self.is_ready = True
        self.notifier.ready(status)
        interval = self.notifier.ping_interval_ms()
        if interval:
            self.notifier.watchdog()
            self.timer.start(interval)

    def ready_when_loop_turns(self, window: Any) -> None:
        """READY=1 (with ``STATUS=screen: NAME``) from the first turn of the event loop, i.e. once the shown
        window has been laid out and painted."""
        QTimer.singleShot(0, lambda: self.ready(f"screen: {window.current[0]}"))

    def follow(self, window: Any) -> None:
        """``STATUS=screen: NAME`` on every move, so ``systemctl status`` (and tests) see where the app is."""
        window.screen_changed.connect(lambda name: self.notifier.status(f"screen: {name}"))

    def stopping(self) -> None:
        self.timer.stop()
        self.notifier.stopping()

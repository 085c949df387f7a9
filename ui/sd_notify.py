"""systemd's notification protocol (sd_notify(3)) in plain socket code, for the kiosk service.

The kiosk unit (``packaging/kiosk/reelbox-kiosk.service``) is ``Type=notify`` with ``WatchdogSec=``:
systemd considers the app started only after ``READY=1``, and restarts it when no ``WATCHDOG=1``
arrives within the watchdog interval — so a hung UI (a blocked Qt event loop) is restarted, not only
a crashed one. The app therefore sends ``WATCHDOG=1`` from a ``QTimer`` on the GUI thread: if the
event loop stops turning, the pings stop.

Protocol (sd_notify(3), "Notes"): one ``AF_UNIX`` ``SOCK_DGRAM`` datagram of newline-separated
``KEY=VALUE`` assignments to the path in ``$NOTIFY_SOCKET``; a leading ``@`` means Linux's abstract
namespace (the ``@`` becomes a NUL byte). ``$WATCHDOG_USEC`` gives the interval and
``$WATCHDOG_PID``, when set, names the one process that must send the pings. When
``$NOTIFY_SOCKET`` is unset (not run by systemd, or not ``Type=notify``) every call is a no-op that
returns False, so the same code runs on a desktop.

Usage from the app::

    notifier = Notifier.from_env()
    notifier.ready()
    timer = QTimer(); timer.timeout.connect(notifier.watchdog)
    timer.start(notifier.ping_interval_ms() or 0)   # only when a watchdog is configured
    ...
    notifier.stopping()
"""
from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Notifier:
    """Where to send notifications; ``address`` None means "not under systemd" (all calls no-ops)."""

    address: str | bytes | None = None
    watchdog_usec: int = 0  # 0: no watchdog configured for this process

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, pid: int | None = None) -> Notifier:
        """The notifier systemd configured for this process through its environment."""
        env = os.environ if env is None else env
        path = env.get("NOTIFY_SOCKET", "")
        address: str | bytes | None = None
        if path.startswith("@"):
            address = b"\0" + path[1:].encode()
        elif path.startswith("/"):
            address = path
        usec = _positive_int(env.get("WATCHDOG_USEC"))
        owner = _positive_int(env.get("WATCHDOG_PID"))
        if owner and owner != (os.getpid() if pid is None else pid):
            usec = 0  # the watchdog belongs to another process (sd_watchdog_enabled(3))
        return cls(address=address, watchdog_usec=usec)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def ping_interval_ms(self) -> int:
        """How often to send ``WATCHDOG=1``: half the interval, as sd_watchdog_enabled(3) advises; 0 if none."""
        return self.watchdog_usec // 2000 if self.watchdog_usec else 0

    def notify(self, *assignments: str) -> bool:
        """Send ``KEY=VALUE`` lines as one datagram; False when not under systemd or the send failed."""
        if self.address is None or not assignments:
            return False
        payload = "\n".join(assignments).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(payload, self.address)
        except OSError:
            return False  # systemd gone or socket full: never let the watchdog crash the app
        return True

    def ready(self, status: str | None = None) -> bool:
        return self.notify("READY=1", *((f"STATUS={status}",) if status else ()))

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")


def _positive_int(text: str | None) -> int:
    try:
        value = int(text or "0")
    except ValueError:
        return 0
    return value if value > 0 else 0

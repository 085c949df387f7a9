"""Kiosk life cycle: sd_notify watchdog fed from the GUI thread, SIGTERM without the PIN, and the backend coming back."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from backend_stub.server import Backend
from testkit import FAST_SETTINGS
from tests.ui.conftest import NotifySocket, sign_in
from ui.sd_notify import Notifier

ROOT = Path(__file__).resolve().parents[2]


def _lines(messages: list[str]) -> list[str]:
    return [line for m in messages for line in m.splitlines()]


def test_watchdog_pings_stop_while_the_ui_thread_hangs(qtbot: Any, notify_socket: NotifySocket) -> None:
    """READY=1 then WATCHDOG=1 every half interval; nothing while the GUI thread is blocked; STOPPING=1 ends them."""
    from ui.app.lifecycle import Watchdog

    watchdog = Watchdog(Notifier(address=str(notify_socket.path), watchdog_usec=200_000))
    watchdog.ready()
    qtbot.wait(450)
    first = _lines(notify_socket.drain())
    assert first[0] == "READY=1" and first.count("WATCHDOG=1") >= 3, first
    time.sleep(0.6)  # a hung event loop: three intervals with no turn of the loop
    assert notify_socket.drain() == []
    qtbot.wait(250)
    assert "WATCHDOG=1" in _lines(notify_socket.drain())
    watchdog.stopping()
    qtbot.wait(250)
    assert _lines(notify_socket.drain()) == ["STOPPING=1"]


def test_kiosk_process_notifies_ready_and_stops_on_sigterm_without_pin(
    tmp_path: Path, notify_socket: NotifySocket, ui_backend: Any
) -> None:
    """`reelbox ui --kiosk` under a systemd-like environment sends READY=1 with the first screen, feeds the watchdog,
    and on SIGTERM (systemctl stop) exits 0 after STOPPING=1 — the kiosk PIN only guards people, not the service."""
    env = dict(os.environ, REELBOX_HOME=str(tmp_path / "home"), NOTIFY_SOCKET=str(notify_socket.path),
               WATCHDOG_USEC="400000", QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-m", "ui", "ui", "--kiosk", "--backend", ui_backend.api_url],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert notify_socket.wait_for("READY=1", 30)
        assert notify_socket.wait_for("STATUS=screen: signin", 5)
        assert notify_socket.wait_for("WATCHDOG=1", 5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    notify_socket.drain()
    assert _lines(notify_socket.received)[-1] == "STOPPING=1"


def test_kiosk_returns_to_the_online_home_when_the_backend_comes_back(
    qtbot: Any, make_window: Any, ui_backend: Any
) -> None:
    """Backend stopped → the kiosk shows only the Downloaded row; a backend started again on the same port →
    the kiosk goes back to the catalog rows by itself, without signing in again."""
    window = make_window(kiosk=True)
    window.show()
    window.start()
    sign_in(qtbot, window)
    online_rows = [r.heading for r in window.home.rows]
    assert "New" in online_rows
    guard = window.kiosk_guard
    port = int(ui_backend.api_url.rsplit(":", 1)[1])
    ui_backend.stop()
    guard.check()
    qtbot.waitUntil(lambda: guard.offline and [r.heading for r in window.home.rows] == ["Downloaded"], timeout=15000)
    again = Backend(ui_backend.data_dir, demo_user=True, port=port, settings=FAST_SETTINGS, ingest_worker=False).start()
    try:
        assert again.api_url == ui_backend.api_url
        with qtbot.waitSignal(window.home.loaded, timeout=15000):
            guard.check()
        assert not guard.offline and window.ctx.online
        assert window.current[0] == "home" and [r.heading for r in window.home.rows] == online_rows
        assert window.home.status.text() == ""
    finally:
        again.stop()


def test_shutdown_closes_the_backend_clients(qtbot: Any, make_window: Any) -> None:
    """The app's exit closes its backend client (no unclosed keep-alive connection left for ``python -X dev`` to report),
    and the one the sign-in replaced; a second shutdown (the window's close, then the app's exit) does nothing."""
    window = make_window()
    window.show()
    window.start()
    first = window.ctx.backend  # the client the sign-in screen pinged with
    sign_in(qtbot, window)
    signed_in = window.ctx.backend
    assert signed_in is not first and not signed_in.http.is_closed
    window.shutdown()
    assert signed_in.http.is_closed and first.http.is_closed
    window.shutdown()
    assert window.ctx.backend is signed_in  # left in place, closed: a late request fails instead of opening a new one


def test_window_closed_mid_play_ends_the_play_before_the_client_closes(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """Closing the window while a title plays, then stopping the engine as the app's exit does: the play has ended by
    then (its backend session ended, its stream freed), and only then was the client closed."""
    window = make_window()
    window.show()
    window.start()
    sign_in(qtbot, window)
    with qtbot.waitSignal(window.controller.started, timeout=10000):
        window._play("ui-alpha", 0.0)
    qtbot.waitUntil(lambda: (window.controller.last_stats.get("position_s") or 0) > 0.5, timeout=20000)
    session_id = window.controller.session.playback.session_id
    client = window.ctx.backend.http
    assert window.close()
    window.ctx.engine.stop()
    still_playing = ui_backend.ctx.sessions.is_live(session_id, now=ui_backend.ctx.clock.now())
    assert client.is_closed and not still_playing

"""App fixtures: a real backend over tiny real titles, an in-memory keyring, REELBOX_HOME in a temp dir,
and a main window built on the real engine thread (``vo=null`` unless a display is given)."""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest

from testkit import FAST_SETTINGS, MemoryKeyring, free_port

from backend_stub.server import Backend

TITLES = ("ui-alpha", "ui-beta")
KIOSK_PIN = "4711"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def ui_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two clear 6 s titles (144/240p) encoded once per session; ui-alpha has English subtitles."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("ui-library")
    for title_id in TITLES:
        make_test_title(data, title_id, protected=False, seconds=6, heights=(144, 240), subtitles=title_id == "ui-alpha")
    return data


@pytest.fixture
def ui_backend(tmp_path: Path, ui_library: Path) -> Iterator[Backend]:
    data = tmp_path / "backend"
    shutil.copytree(ui_library, data)
    # a port below the ephemeral range: tests that restart the backend on it find its edge ports free
    backend = Backend(data, demo_user=True, port=free_port(), settings=FAST_SETTINGS, ingest_worker=False).start()
    yield backend
    backend.stop()


@pytest.fixture(scope="module")
def live_ui_backend(tmp_path_factory: pytest.TempPathFactory, ui_library: Path) -> Iterator[Backend]:
    """``ui_backend``'s titles plus the live channel (real-time ffmpeg: one per module, it costs CPU)."""
    data = tmp_path_factory.mktemp("ui-live") / "backend"
    shutil.copytree(ui_library, data)
    backend = Backend(data, demo_user=True, port=free_port(), settings=FAST_SETTINGS, ingest_worker=False,
                      live_channels=1).start()
    try:
        assert backend.live.channels[0].wait_ready(30, segments=3), "the live channel produced no segments"
        yield backend
    finally:
        backend.stop()


@pytest.fixture
def reelbox_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("REELBOX_HOME", str(home))
    return home


@pytest.fixture
def make_window(qtbot: Any, reelbox_home: Path, memory_keyring: MemoryKeyring, ui_backend: Backend) -> Iterator[Callable[..., Any]]:
    """Build a MainWindow against ``ui_backend``; windows and their engine threads stop at teardown."""
    from ui.app.main import build_window, make_app

    make_app()
    built: list[Any] = []

    def make(*, tv: bool = False, kiosk: bool = False, vo: str = "null", ao: str = "null", backend_url: str | None = None) -> Any:
        window = build_window(tv=tv, kiosk=kiosk, backend_url=backend_url or ui_backend.api_url,
                              config_file=reelbox_home / "config" / "config.toml", vo=vo, ao=ao)
        if kiosk and not window.ctx.config.kiosk_pin_hash:
            from ui.app.pin import hash_pin

            window.ctx.update_config(kiosk_pin_hash=hash_pin(KIOSK_PIN))  # as provisioning would
        if not kiosk:  # pytest-qt would close it before our teardown unlocks the PIN
            qtbot.addWidget(window)
        built.append(window)
        return window

    yield make
    for window in built:
        window.player.leave()  # an "Up next" countdown left running would start a play on the stopped engine
        if window.kiosk_guard is not None:
            window.kiosk_guard.unlock(KIOSK_PIN)
            window.kiosk_guard.timer.stop()
            window.close()
        window.shutdown()
        window.ctx.engine.stop()


def sign_in(qtbot: Any, window: Any) -> None:
    """Type the demo credentials and press Enter, like a person would."""
    from PySide6.QtCore import Qt

    window.signin.focus_first()
    qtbot.keyClicks(window.signin.email, "demo@reelbox.local")
    qtbot.keyClick(window.signin.email, Qt.Key.Key_Return)
    qtbot.keyClicks(window.signin.password, "demo")
    with qtbot.waitSignal(window.home.loaded, timeout=15000):
        qtbot.keyClick(window.signin.password, Qt.Key.Key_Return)


def edge_faults(api_url: str, body: dict[str, Any]) -> None:
    """Set (or with ``{}`` clear) faults on both edges through the backend's admin API."""
    import httpx

    token = httpx.post(f"{api_url}/api/v1/auth/login",
                       json={"email": "demo@reelbox.local", "password": "demo"}).json()["access_token"]
    for n in (0, 1):
        httpx.post(f"{api_url}/api/v1/admin/edges/{n}/faults", json=body,
                   headers={"Authorization": f"Bearer {token}"}).raise_for_status()


def remember_demo(api_url: str) -> None:
    """Sign in once outside the app, as a previous run would have, so TV mode needs no typing."""
    from player.backend import BackendClient
    from ui.app import credentials

    async def login() -> str:
        client = BackendClient(api_url)
        try:
            await client.login("demo@reelbox.local", "demo")
            return client.refresh_token or ""
        finally:
            await client.aclose()

    assert credentials.remember(api_url, "demo@reelbox.local", asyncio.run(login()))


def open_tv_home(qtbot: Any, make_window: Callable[..., Any], api_url: str) -> Any:
    """A TV-mode window at 1280x720, signed in by a remembered token (no typing), home loaded."""
    remember_demo(api_url)
    window = make_window(tv=True)
    window.ctx.update_config(email="demo@reelbox.local")
    window.resize(1280, 720)
    window.show()
    with qtbot.waitSignal(window.home.loaded, timeout=15000):
        window.start()
    return window


def open_title(qtbot: Any, make_window: Callable[..., Any], title_id: str, **window_options: Any) -> Any:
    """A new window, signed in by keyboard, showing ``title_id``'s page (loaded)."""
    window = make_window(**window_options)
    window.show()
    window.start()
    sign_in(qtbot, window)
    window.go("title", title_id)
    qtbot.waitUntil(lambda: window.title_page.title is not None and window.title_page.title.id == title_id, timeout=10000)
    return window


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    """A private Xvfb at 1280x720x24, stopped by its PID."""
    yield from _xvfb("1280x720x24")


@pytest.fixture
def xvfb_hd_display() -> Iterator[str]:
    """A private Xvfb at 1920x1080x24 (windows of both sizes fit on it), stopped by its PID."""
    yield from _xvfb("1920x1080x24")


def _xvfb(screen: str) -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (make system-deps)")
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", screen, "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(5)


class NotifySocket:
    """The receiving end of sd_notify(3): an AF_UNIX datagram socket like systemd's ``$NOTIFY_SOCKET``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.received: list[str] = []

    def drain(self, timeout_s: float = 0.0) -> list[str]:
        """Datagrams that arrived (waiting up to ``timeout_s`` for the first), also kept in ``received``."""
        got: list[str] = []
        self.sock.settimeout(max(timeout_s, 0.0))  # 0: non-blocking
        try:
            while True:
                got.append(self.sock.recv(4096).decode())
                self.sock.settimeout(0)
        except (BlockingIOError, TimeoutError):
            pass
        self.received.extend(got)
        return got

    def wait_for(self, text: str, timeout_s: float) -> bool:
        """True once a datagram holding the line ``text`` has arrived."""
        deadline = time.monotonic() + timeout_s
        while not any(text in m.splitlines() for m in self.received):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.drain(min(left, 0.5))
        return True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path / "notify.sock")
    yield sock
    sock.close()


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

"""``reelbox demo`` as a real process: catalog built off the UI thread, signed in, home on screen, clean SIGTERM."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from PIL import Image

from tests.ui.conftest import NotifySocket

ROOT = Path(__file__).resolve().parents[2]


def _demo_env(tmp_path: Path, notify: NotifySocket, **extra: str) -> dict[str, str]:
    env = dict(os.environ, REELBOX_HOME=str(tmp_path / "home"), NOTIFY_SOCKET=str(notify.path),
               WATCHDOG_USEC="1000000", PYTHONUNBUFFERED="1", **extra)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def _processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line holds ``text`` (ffmpeg's arguments name the data directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _refused(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=1).close()
    except OSError:
        return True
    return False


GRAB = "import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]); " \
       "sys.exit(0 if QApplication.primaryScreen().grabWindow(0).save(sys.argv[1], 'PNG') else 1)"


def _grab_screen(display: str, path: Path) -> None:
    """The whole X screen from another process, as a person would see it (no imagemagick needed)."""
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    subprocess.run([sys.executable, "-c", GRAB, str(path)], env=env, check=True, timeout=30)


def _colourful_fraction(img: Image.Image) -> float:
    """Share of clearly coloured pixels: the app's chrome is grey, poster artwork is not (two small posters ≈ 4.5 %, a red progress bar 1 %)."""
    pixels = list(img.convert("RGB").resize((320, 180)).get_flattened_data())
    return sum(max(p) - min(p) > 15 for p in pixels) / len(pixels)


def _backend_url(stderr_path: Path) -> str:
    for line in stderr_path.read_text(errors="replace").replace("\r", "\n").splitlines():
        if line.startswith("Reelbox demo backend: "):
            return line.split(": ", 1)[1].removesuffix("/api/v1")
    return ""


def test_demo_builds_signs_in_shows_home_and_stops_cleanly(xvfb_display: str, tmp_path: Path, notify_socket: NotifySocket) -> None:
    """`python -m ui demo --port 0` builds a one-title catalog, opens home with artwork rows signed in as the demo
    user (screenshot not blank), and on SIGTERM exits 0 with STOPPING=1, its API and edges closed, no ffmpeg left;
    the free port it ran on is not saved as the configured backend (it is dead once the demo ends)."""
    data = tmp_path / "data"
    env = _demo_env(tmp_path, notify_socket, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb",
                    REELBOX_DEMO_TITLES="1", REELBOX_DEMO_SECONDS="2")
    err = tmp_path / "demo.err"
    with err.open("w") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "ui", "demo", "--port", "0", "--data", str(data)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err_file)
    try:
        assert notify_socket.wait_for("READY=1", 120), err.read_text()[-2000:]
        assert notify_socket.wait_for("STATUS=screen: home", 30), notify_socket.received
        assert notify_socket.wait_for("WATCHDOG=1", 5)
        api = _backend_url(err)
        assert api, err.read_text()[-2000:]
        shot = tmp_path / "demo-home.png"
        colourful = 0.0
        deadline = time.monotonic() + 20
        while colourful < 0.03 and time.monotonic() < deadline:  # artwork arrives a moment after the rows
            time.sleep(0.5)
            _grab_screen(xvfb_display, shot)
            colourful = _colourful_fraction(Image.open(shot))
        print(f"screenshot {shot}: {colourful:.1%} colourful")
        assert colourful >= 0.03, f"home shows no artwork ({colourful:.1%} colourful pixels) in {shot}"
        token = httpx.post(f"{api}/api/v1/auth/login", json={"email": "demo@reelbox.local", "password": "demo"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        titles = httpx.get(f"{api}/api/v1/catalog", headers=auth).json()["items"]
        assert [t["id"] for t in titles] == ["colour-bars"]
        edges = httpx.post(f"{api}/api/v1/playback/colour-bars", headers=auth, json={}).json()["manifests"]
        assert edges and not any(_refused(u) for u in edges)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, err.read_text()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    notify_socket.drain()
    assert "STOPPING=1" in notify_socket.received
    assert _refused(api) and all(_refused(u) for u in edges)
    assert _processes_mentioning(str(data)) == []


def test_demo_sigterm_while_building_cancels_ffmpeg(tmp_path: Path, notify_socket: NotifySocket) -> None:
    """SIGTERM during the first catalog build (progress still coming on the UI thread) exits 0 promptly and kills
    the running ffmpeg; the window never opened, so READY=1 was never sent."""
    data = tmp_path / "data"
    env = _demo_env(tmp_path, notify_socket, QT_QPA_PLATFORM="offscreen", REELBOX_DEMO_TITLES="1", REELBOX_DEMO_SECONDS="30")
    err = tmp_path / "demo.err"
    with err.open("w") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "ui", "demo", "--port", "0", "--data", str(data)],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err_file)
    try:
        deadline = time.monotonic() + 60
        while not _processes_mentioning(str(data / "")) or "demo catalog" not in err.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, err.read_text()[-2000:]
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, err.read_text()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert _processes_mentioning(str(data)) == []
    notify_socket.drain()
    assert "READY=1" not in "\n".join(notify_socket.received).splitlines()

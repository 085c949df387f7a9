"""`reelbox backend` as a real process: prints its URLs, serves, and exits 0 on SIGTERM leaving no children."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from backend_testkit import processes_in_session, processes_mentioning

REPO = Path(__file__).resolve().parents[2]


def _start(data: Path, env_extra: dict[str, str]) -> subprocess.Popen[str]:
    env = {**os.environ, "REELBOX_HOME": str(data.parent / "home"), **env_extra}
    return subprocess.Popen(
        [sys.executable, "-m", "ui", "backend", "--port", "0", "--edges", "2", "--data", str(data)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def test_sigterm_stops_cleanly(tmp_path: Path) -> None:
    """The backend prints API + edge URLs, serves, has no demo admin (issue 16: only `reelbox demo` makes it), and
    exits 0 on SIGTERM with nothing left running."""
    data = tmp_path / "data"
    proc = _start(data, {"REELBOX_DEMO_CATALOG": "0"})
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(lines)
        api = re.search(r"API (http://127\.0\.0\.1:\d+)/api/v1", text).group(1)
        edges = re.findall(r"edge \d: (http://127\.0\.0\.1:\d+)", text)
        assert len(edges) == 2 and "demo@reelbox.local" not in text
        demo = httpx.post(api + "/api/v1/auth/login", json={"email": "demo@reelbox.local", "password": "demo"})
        assert demo.status_code == 401, demo.text
        account = {"email": "viewer@example.org", "password": "pw-viewer-1"}
        assert httpx.post(api + "/api/v1/auth/register", json=account).status_code == 201
        login = httpx.post(api + "/api/v1/auth/login", json=account)
        assert login.status_code == 200
        catalog = httpx.get(api + "/api/v1/catalog")  # served through the database worker
        assert catalog.status_code == 200 and "items" in catalog.json()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        err = proc.stderr.read()
        assert "Traceback" not in err
        assert '"path": "/api/v1/auth/login"' in err and "pw-viewer-1" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert processes_in_session(proc.pid) == []
    assert processes_mentioning(str(data)) == []


def test_sigterm_during_demo_build_leaves_no_ffmpeg(tmp_path: Path) -> None:
    """SIGTERM while the demo catalog is encoding → exit 0, and no ffmpeg/packager survives."""
    data = tmp_path / "data"
    proc = _start(data, {})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not [p for p in processes_mentioning(str(data)) if p[0] != proc.pid]:
            time.sleep(0.1)
        children = [p for p in processes_mentioning(str(data)) if p[0] != proc.pid]
        assert children, "the demo build never started an encoder"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(0.2)
    assert processes_mentioning(str(data)) == []
    assert processes_in_session(proc.pid) == []

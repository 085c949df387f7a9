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
import pytest
from backend_testkit import processes_in_session, processes_mentioning

REPO = Path(__file__).resolve().parents[2]
BUILD_START_S = 120  # from the start of the process; it took over 60 s once beside a full CI run and a CPU-bound job


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

    def encoders() -> list[tuple[int, str]]:
        """The demo build's children: processes naming the data folder, the backend itself left out."""
        return [p for p in processes_mentioning(str(data)) if p[0] != proc.pid]

    try:
        deadline = time.monotonic() + BUILD_START_S
        while time.monotonic() < deadline and not encoders():
            time.sleep(0.1)
        if not encoders():
            proc.terminate()
            out, err = proc.communicate(timeout=30)
            pytest.fail(f"the demo build started no encoder in {BUILD_START_S} s; the backend printed:\n{out}{err[-3000:]}")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 10  # a killed child may take a moment to go on a loaded box; one that stays fails
    while time.monotonic() < deadline and (processes_mentioning(str(data)) or processes_in_session(proc.pid)):
        time.sleep(0.1)
    assert processes_mentioning(str(data)) == []
    assert processes_in_session(proc.pid) == []


def test_the_operator_names_the_admin_through_the_environment(tmp_path: Path) -> None:
    """`REELBOX_ADMIN_EMAIL`/`REELBOX_ADMIN_PASSWORD` create the administrator (the password never printed or
    logged); a weak or half-given one stops the backend with one `error:` line before it listens."""
    secret = "operator-pw-42"
    data = tmp_path / "data"
    proc = _start(data, {"REELBOX_DEMO_CATALOG": "0", "REELBOX_LIVE_CHANNELS": "0",
                         "REELBOX_ADMIN_EMAIL": "Ops@Example.org", "REELBOX_ADMIN_PASSWORD": secret})
    try:
        text = ""
        while not text.endswith("Press Ctrl-C to stop.\n"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            text += line
        api = re.search(r"API (http://127\.0\.0\.1:\d+)/api/v1", text).group(1)
        assert "admin: ops@example.org" in text
        login = httpx.post(api + "/api/v1/auth/login", json={"email": "ops@example.org", "password": secret})
        assert login.status_code == 200 and login.json()["user"]["is_admin"]
        edges = httpx.get(api + "/api/v1/admin/edges", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
        assert edges.status_code == 200 and len(edges.json()["edges"]) == 2
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert secret not in text + proc.stdout.read() + proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for env in ({"REELBOX_ADMIN_EMAIL": "ops@example.org", "REELBOX_ADMIN_PASSWORD": "demo"},
                {"REELBOX_ADMIN_EMAIL": "ops@example.org"}):
        weak = _start(tmp_path / "weak", {"REELBOX_DEMO_CATALOG": "0", **env})
        out, err = weak.communicate(timeout=60)
        assert weak.returncode == 1 and err.startswith("error: ") and err.count("\n") == 1, err
        assert "REELBOX_ADMIN_PASSWORD" in err and "Press Ctrl-C" not in out

"""packaging/nginx/reelbox-origin.conf run for real: Debian's nginx on loopback over a tiny title's content."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "packaging" / "nginx" / "reelbox-origin.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
TITLE = "origin-title"

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx not installed (Debian nginx-light)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(conf: str, *, root: Path, port: int) -> str:
    """The sample with its root and listen lines pointed at this test's tree and port (IPv4 loopback)."""
    conf = re.sub(r"^\s*listen \[::\]:\d+;\n", "", conf, flags=re.M)
    conf = re.sub(r"^(\s*)listen \d+;", rf"\g<1>listen 127.0.0.1:{port};", conf, count=1, flags=re.M)
    return re.sub(r"^(\s*)root [^;]+;", rf"\g<1>root {root};", conf, count=1, flags=re.M)


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("origin-data")
    make_test_title(data, TITLE, seconds=4, heights=(144, 240), subtitles=True)
    return data / "content"


@pytest.fixture(scope="module")
def origin(content: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nginx as a child process (no daemon, no master) with the rendered sample inside http {}."""
    run = tmp_path_factory.mktemp("nginx")
    port = free_port()
    (run / "reelbox-origin.conf").write_text(render(CONF.read_text(), root=content, port=port))
    temp = "".join(f"    {k}_temp_path {run}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (run / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\npid {run}/nginx.pid;\nerror_log {run}/error.log notice;\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n    access_log off;\n{temp}    include {run}/reelbox-origin.conf;\n}}\n")
    check = subprocess.run([NGINX, "-t", "-p", str(run), "-c", str(run / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-p", str(run), "-c", str(run / "nginx.conf")], stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.head(base + "/", timeout=1)
            break
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, (run / "error.log").read_text()
            time.sleep(0.05)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_range_gives_206_with_content_range(origin: str, content: Path) -> None:
    """A Range request on a segment answers 206 with exactly those bytes."""
    whole = (content / TITLE / "v240" / "1.m4s").read_bytes()
    r = httpx.get(f"{origin}/{TITLE}/v240/1.m4s", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    assert r.content == whole[100:200]


def test_media_types(origin: str) -> None:
    """m3u8, mpd, m4s, mp4 and vtt go out with their registered media types."""
    expect = {"master.m3u8": "application/vnd.apple.mpegurl", "manifest.mpd": "application/dash+xml",
              "v144/1.m4s": "video/iso.segment", "v144/init.mp4": "video/mp4"}
    for path, media_type in expect.items():
        r = httpx.get(f"{origin}/{TITLE}/{path}")
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media_type, (path, r.headers)


def test_vtt_media_type(origin: str, content: Path) -> None:
    """WebVTT subtitles are text/vtt."""
    rel = next(p for p in (content / TITLE).rglob("*.vtt")).relative_to(content / TITLE)
    r = httpx.get(f"{origin}/{TITLE}/{rel.as_posix()}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/vtt")


def test_cache_headers(origin: str) -> None:
    """Segments are cached for a year (immutable), manifests for seconds."""
    seg = httpx.get(f"{origin}/{TITLE}/v144/1.m4s").headers["cache-control"]
    mpd = httpx.get(f"{origin}/{TITLE}/manifest.mpd").headers["cache-control"]
    assert "immutable" in seg and int(re.search(r"max-age=(\d+)", seg).group(1)) >= 86400 * 30
    assert int(re.search(r"max-age=(\d+)", mpd).group(1)) <= 10


def test_cors_for_browser_players(origin: str) -> None:
    """GETs carry CORS headers exposing Content-Range; a Range preflight is answered 204."""
    r = httpx.get(f"{origin}/{TITLE}/v144/1.m4s", headers={"Origin": "https://player.example", "Range": "bytes=0-9"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "content-range" in r.headers["access-control-expose-headers"].lower()
    pre = httpx.request("OPTIONS", f"{origin}/{TITLE}/v144/1.m4s", headers={
        "Origin": "https://player.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range"})
    assert pre.status_code == 204
    assert "range" in pre.headers["access-control-allow-headers"].lower()
    assert httpx.get(f"{origin}/{TITLE}/missing.m4s").headers.get("access-control-allow-origin") == "*"


def test_reelbox_plays_from_the_origin(origin: str, tmp_path: Path) -> None:
    """`reelbox play <origin manifest URL> --headless` plays the whole title with no errors."""
    report = tmp_path / "r.json"
    env = {**os.environ, "REELBOX_HOME": str(tmp_path / "home")}
    run = subprocess.run([sys.executable, "-m", "ui", "play", f"{origin}/{TITLE}/manifest.mpd", "--headless",
                          "--report", str(report)], capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
    assert run.returncode == 0, run.stderr
    data = json.loads(report.read_text())
    assert data["errors"] == [] and data["played_s"] >= 3.5
    assert all(s["bytes"] > 0 for s in data["segments"])

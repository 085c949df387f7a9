"""Admin ingest through the API: an idempotent job id, progress to done, the title then in the catalog."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import imageio_ffmpeg
from backend_testkit import demo_headers, register_and_login

from backend_stub.server import Backend


def _tiny_source(path: Path) -> Path:
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24",
         "-f", "lavfi", "-i", "sine=frequency=440", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast",
         "-c:a", "aac", "-shortest", "-y", str(path)],
        check=True,
    )
    return path


def test_ingest_job_publishes_a_title(reelbox_backend: Backend, tmp_path: Path) -> None:
    """POST /admin/ingest twice returns one job id; the job reaches done and the title becomes searchable."""
    source = _tiny_source(tmp_path / "src.mp4")
    body = {"source": str(source), "title_id": "ingested", "name": "Ingested Sample", "genres": ["Test"],
            "cast": ["Zed Quorra"]}
    with httpx.Client(base_url=reelbox_backend.api_url + "/api/v1", timeout=10) as api:
        user = register_and_login(api, "nonadmin@example.org")
        assert api.post("/admin/ingest", json=body, headers=user["headers"]).status_code == 403
        admin = demo_headers(api)
        first = api.post("/admin/ingest", json=body, headers=admin)
        assert first.status_code == 202, first.text
        again = api.post("/admin/ingest", json=body, headers=admin)
        job_id = first.json()["job_id"]
        assert again.json()["job_id"] == job_id
        deadline = time.monotonic() + 120
        state = {}
        while time.monotonic() < deadline:
            state = api.get(f"/admin/jobs/{job_id}", headers=admin).json()
            if state["state"] in ("done", "failed", "dead"):
                break
            time.sleep(0.3)
        assert state["state"] == "done", state
        assert [t["id"] for t in api.get("/catalog", params={"q": "quorra"}).json()["items"]] == ["ingested"]
        assert api.get("/admin/jobs/nope", headers=admin).status_code == 404
        bad = api.post("/admin/ingest", json={"source": "x"}, headers=admin)
        assert bad.status_code == 400 and bad.json()["code"] == "invalid_request"

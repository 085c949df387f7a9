"""Crash safety: the downloader killed with SIGKILL at random points resumes, and every stored slot authenticates."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from backend_stub.server import Backend
from dlkit import FAST, LOCKED, REPO, admin_faults, play_offline
from downloads import DownloadManager, DownloadPaths

ROUNDS = 12


def _spawn(home: Path, api_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REELBOX_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "downloads", "download", LOCKED, "--backend", api_url,
                             "--parallel", "2"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _check_store(paths: DownloadPaths) -> tuple[int, int]:
    """(slots done, slots total) after a crash; raises if any recorded slot fails to authenticate."""
    manager = DownloadManager(paths)
    try:
        infos = manager.list()
        assert len(infos) <= 1  # a restart resumes the same asset, never starts a second one
        if not infos:
            return 0, 0
        info = infos[0]
        assert manager.verify(info.asset_id) == info.segments_done
        store = manager.store(info.asset_id)
        recorded = {(s.track_no, s.idx) for s in manager.queue.slots(info.asset_id, "done")}
        on_disk = {(int(p.parent.name), int(p.stem)) for p in store.files() if p.suffix == ".seg"}
        assert recorded <= on_disk  # never a record without its file
        return info.segments_done, info.segments_total
    finally:
        manager.close()


def test_sigkill_at_random_points_then_resume(start_backend: Callable[..., Backend], reelbox_home: Path) -> None:
    """≥10 rounds of SIGKILL mid-download on a throttled edge: each time the store verifies, progress never goes
    back, and the final run completes a download that verifies and plays with the backend stopped."""
    backend = start_backend(settings=replace(FAST, session_ttl_s=5.0))
    for edge in range(len(backend.edges)):
        admin_faults(backend.api_url, edge, {"rate_kbps": 400})
    paths = DownloadPaths.default()
    rng = random.Random(20240605)
    history: list[tuple[int, int]] = []
    for _ in range(ROUNDS):
        proc = _spawn(reelbox_home, backend.api_url)
        time.sleep(rng.uniform(0.6, 3.5))
        finished = proc.poll() is not None
        if not finished:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        history.append(_check_store(paths))
        if finished:
            break
    done = [d for d, _ in history]
    assert done == sorted(done), history  # what was recorded stays recorded
    mid = [h for h in history if 0 < h[0] < h[1]]
    assert len(history) >= 10 and len(mid) >= 3, history  # the kills landed mid-download

    for edge in range(len(backend.edges)):
        admin_faults(backend.api_url, edge, {})
    proc = _spawn(reelbox_home, backend.api_url)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"complete" in out
    backend.stop()

    manager = DownloadManager(paths)
    try:
        (info,) = manager.list()
        assert info.state == "complete" and manager.verify(info.asset_id) == info.segments_total
        assert not [p for p in manager.store(info.asset_id).folder.rglob("*.tmp")]
        report = play_offline(manager, info.asset_id)
        assert report["errors"] == [] and report["decoder_errors"] == 0 and report["played_s"] >= 3.5
    finally:
        manager.close()

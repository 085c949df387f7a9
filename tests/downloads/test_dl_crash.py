"""Crash safety: the downloader killed with SIGKILL at random points resumes, and every stored slot authenticates.

The edges' rate is set from the title itself so that no video segment can arrive within one round (a round sleeps
at most ``MAX_SLEEP_S``, and its child must also start Python, sign in and fetch the manifest): the download can
never end before its kill, whatever the box's speed, so every round is required to kill a running download.
Whether a kill landed is read from the exit status after it (``poll()`` before it could not tell a child that
ended in between).

The store is checked with the device key where the downloader keeps it. A child (a fresh interpreter) finds no
OS keyring on this box and records the wrapped-file fallback; this process has the tests' ``MemoryKeyring``
registered. When a loaded box let a kill land before the first child recorded its choice, the check created the
device key in that in-memory keyring and recorded "keyring", and every later child ended on its own with
"no keyring backend" (exit 1) before its kill, and the loop stopped short of its rounds (a first kill at 0.3 s
reproduces it: [(0, 0), (0, 0)], 2 rounds).
"""
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
from drm_client import load_device_key

ROUNDS = 12
MIN_SLEEP_S, MAX_SLEEP_S = 0.6, 3.5


def _spawn(home: Path, api_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REELBOX_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "downloads", "download", LOCKED, "--backend", api_url,
                             "--parallel", "2"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _rate_kbps(data_dir: Path) -> float:
    """An edge rate at which the smallest segment of the title's top rung takes 1.25 × the longest round to arrive."""
    rungs = [sorted(p.stat().st_size for p in folder.glob("*.m4s")) for folder in (data_dir / "content" / LOCKED).glob("v*")]
    smallest = max(rungs, key=sum)[0]
    return smallest * 8 / 1000 / (1.25 * MAX_SLEEP_S)


def _manager(paths: DownloadPaths) -> DownloadManager:
    """The store as the downloader opens it: its device key in the wrapped file, as a child records it here."""
    return DownloadManager(paths, device_key=load_device_key(paths.config_dir, backend="file"))


def _check_store(paths: DownloadPaths) -> tuple[int, int]:
    """(slots done, slots total) after a crash; raises if any recorded slot fails to authenticate."""
    manager = _manager(paths)
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
    """12 rounds of SIGKILL mid-download on throttled edges: each kill lands on a running download, each time the
    store verifies, progress never goes back, and the final run completes a download that verifies and plays with
    the backend stopped."""
    backend = start_backend(settings=replace(FAST, session_ttl_s=5.0))
    for edge in range(len(backend.edges)):
        admin_faults(backend.api_url, edge, {"rate_kbps": _rate_kbps(backend.data_dir)})
    paths = DownloadPaths.default()
    rng = random.Random(20240605)
    history: list[tuple[int, int]] = []
    for _ in range(ROUNDS):
        proc = _spawn(reelbox_home, backend.api_url)
        time.sleep(rng.uniform(MIN_SLEEP_S, MAX_SLEEP_S))
        proc.send_signal(signal.SIGKILL)  # a child that has exited keeps its own status: a zombie ignores the signal
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, (history, proc.returncode, err.decode()[-2000:])
        history.append(_check_store(paths))
    done = [d for d, _ in history]
    assert done == sorted(done), history  # what was recorded stays recorded
    mid = [h for h in history if 0 < h[0] < h[1]]
    assert len(mid) >= 3, history  # the kills landed mid-download, after some of it was stored

    for edge in range(len(backend.edges)):
        admin_faults(backend.api_url, edge, {})
    proc = _spawn(reelbox_home, backend.api_url)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"complete" in out
    backend.stop()

    manager = _manager(paths)
    try:
        (info,) = manager.list()
        assert info.state == "complete" and manager.verify(info.asset_id) == info.segments_total
        assert not [p for p in manager.store(info.asset_id).folder.rglob("*.tmp")]
        report = play_offline(manager, info.asset_id)
        assert report["errors"] == [] and report["decoder_errors"] == 0 and report["played_s"] >= 3.5
    finally:
        manager.close()

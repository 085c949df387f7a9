"""The download manager against a real backend: choices, storage, failover, pause/resume/cancel, disk full."""
from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_stub.server import Backend
from dlkit import CLEAR, LOCKED, admin_faults, download, signed_in
from downloads import (
    Cancelled,
    DiskFull,
    DownloadChoice,
    DownloadControl,
    DownloadManager,
    DownloadPaths,
    NotEnoughSpace,
    Progress,
    QualityUnavailable,
)


def test_quality_choice_and_unknown_quality(backend: Backend, manager: DownloadManager) -> None:
    """`lowest` stores the 144p rendition; an unknown quality is a named error before anything is written."""
    with pytest.raises(QualityUnavailable):
        download(manager, backend.api_url, CLEAR, choice=DownloadChoice(quality="1080p"))
    assert manager.list() == []
    info = download(manager, backend.api_url, CLEAR, choice=DownloadChoice(quality="lowest", subtitles=False))
    assert info.quality == "144p"
    assert info.name == f"Test {CLEAR}"  # the catalog's name, as the downloads list shows it
    kinds = [t.kind for t in manager.queue.tracks(info.asset_id)]
    assert kinds == ["video", "audio"]
    video = manager.offline_presentation(info.asset_id).video_track()
    assert video is not None and [r.height for r in video.renditions] == [144]


def test_storage_check_refuses_before_start(backend: Backend, paths: DownloadPaths) -> None:
    """With less free space than the honest total, NotEnoughSpace is raised and nothing is stored."""
    manager = DownloadManager(paths, free_space=lambda _p: 100_000)
    try:
        with pytest.raises(NotEnoughSpace) as err:
            download(manager, backend.api_url, CLEAR)
        assert err.value.needed > err.value.free == 100_000
        assert manager.list() == [] and not any(paths.root.rglob("*.seg"))
    finally:
        manager.close()


def test_failover_when_an_edge_is_down(backend: Backend, manager: DownloadManager) -> None:
    """With edge 0 down the download completes from edge 1 through the same CDN pool."""
    admin_faults(backend.api_url, 0, {"down": True})
    info = download(manager, backend.api_url, CLEAR)
    assert info.state == "complete" and manager.verify(info.asset_id) == info.segments_total


def test_pause_then_resume(backend: Backend, manager: DownloadManager) -> None:
    """Pausing stops new segments (state paused, no progress) until resume; the download then completes."""
    for edge in range(2):
        admin_faults(backend.api_url, edge, {"rate_kbps": 2000})
    control = DownloadControl()
    events: list[tuple[float, Progress, str]] = []

    def on_progress(p: Progress) -> None:
        events.append((time.monotonic(), p, manager.queue.asset(p.asset_id).state))
        if len(events) == 1:
            control.pause()
            asyncio.get_running_loop().call_later(0.8, control.resume)

    info = download(manager, backend.api_url, LOCKED, progress=on_progress, control=control)
    assert info.state == "complete"
    paused = [e for e in events if e[1].state == "paused"]
    assert paused and paused[0][2] == "paused"
    pause_at, done_at_pause = paused[0][0], paused[0][1].segments_done
    during = [e for e in events if pause_at < e[0] < pause_at + 0.7 and e[1].segments_done > done_at_pause + 2]
    assert during == []  # at most the slots already in flight (parallel) landed while paused
    assert [e[1].segments_done for e in events] == sorted(e[1].segments_done for e in events)


def test_cancel_removes_everything(backend: Backend, manager: DownloadManager, paths: DownloadPaths) -> None:
    """Cancelling mid-download raises Cancelled and leaves no files, rows or licence behind."""
    for edge in range(2):
        admin_faults(backend.api_url, edge, {"rate_kbps": 2000})
    control = DownloadControl()
    with pytest.raises(Cancelled):
        download(manager, backend.api_url, LOCKED, progress=lambda p: control.cancel(), control=control)
    assert manager.list() == []
    assert not [p for p in paths.root.rglob("*") if p.is_file()]
    assert manager.licences.store.list_ids() == []


@pytest.fixture
def small_disk(paths: DownloadPaths) -> Iterator[Path]:
    """A 150 KiB tmpfs mounted where sealed segments go (needs root; skipped otherwise)."""
    paths.root.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=150k", "tmpfs", str(paths.root)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield paths.root
    finally:
        subprocess.run(["umount", "-l", str(paths.root)], check=False)


def test_disk_full_is_clean_and_resumable(backend: Backend, paths: DownloadPaths, small_disk: Path) -> None:
    """When the disk fills mid-download: DiskFull, no temp file left, stored slots authenticate; after space is
    freed the download resumes to completion."""
    manager = DownloadManager(paths, free_space=lambda _p: 10**12)  # another process fills the disk after the check
    try:
        with pytest.raises(DiskFull):
            download(manager, backend.api_url, LOCKED)
        (info,) = manager.list()
        assert info.state == "failed" and "DiskFull" in str(info.error)
        assert 0 < info.segments_done < info.segments_total
        assert not list(small_disk.rglob("*.tmp"))
        assert manager.verify(info.asset_id) == info.segments_done
        subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)

        async def resume() -> None:
            client = await signed_in(backend.api_url)
            try:
                await manager.resume(info.asset_id, client)
            finally:
                await client.aclose()

        asyncio.run(resume())
        assert manager.info(info.asset_id).state == "complete"
        assert manager.verify(info.asset_id) == info.segments_total
    finally:
        manager.close()

"""Sizes from the manifest (no probe per segment) and durability per batch (issue 19), on a real backend and disk."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from backend_stub.server import Backend
from dlkit import CLEAR, download
from downloads import DownloadManager, DownloadPaths
from downloads.batch_commit import BatchCommitter
from downloads.queue_db import QueueDb, SlotRow, TrackRow
from downloads.sealed_store import SealedStore, Staged
from downloads.sealing import SegmentSealer


def test_no_size_probes_and_totals_converge(backend: Backend, manager: DownloadManager) -> None:
    """Every edge request of a download is a manifest or a whole slot (no `Range: bytes=0-0` probes), one per
    slot; the estimated total is replaced by the bytes that came."""
    info = download(manager, backend.api_url, CLEAR)
    requests = [r for edge in backend.edges for r in edge.requests]
    media = [r for r in requests if not r.path.endswith((".m3u8", ".mpd"))]
    assert [r for r in requests if r.range == "bytes=0-0"] == []
    assert len(media) == info.segments_total
    assert info.bytes_total == info.bytes_done == sum(r.bytes_sent for r in media if r.status in (200, 206))


def _queue_with_slots(tmp_path: Path, n: int) -> QueueDb:
    queue = QueueDb(tmp_path / "q.sqlite")
    queue.create_asset(asset_id="a", title_id="t", name="t", quality="q", protected=False, choices={},
                       wrapped_key=b"k", presentation_json="{}", now=0.0,
                       tracks=[TrackRow(track_no=0, kind="video", language=None, rendition_id="v", bandwidth=1,
                                        height=None)],
                       slots=[SlotRow(track_no=0, idx=i, number=i, byte_start=None, byte_length=None, size=999,
                                      state="pending") for i in range(n)])
    return queue


def test_batches_commit_many_slots_at_once(tmp_path: Path) -> None:
    """Seven staged slots with batches of three: three commits; each slot recorded with its real size only after
    its file is in place, and the asset's total follows."""
    queue = _queue_with_slots(tmp_path, 7)
    store = SealedStore(tmp_path / "store", SegmentSealer("a", bytes(32)))
    seen: list[list[int]] = []

    def durable(batch: object) -> None:
        items = list(batch)  # type: ignore[call-overload]
        assert all(store.path(0, s.index).exists() and not s.tmp.exists() for s in items)
        seen.append([s.index for s in items])

    async def run() -> int:
        with ThreadPoolExecutor(2) as pool:
            committer = BatchCommitter(store=store, queue=queue, asset_id="a", on_durable=durable,
                                       clock=asyncio.get_running_loop().time, executor=pool, max_slots=3,
                                       max_wait_s=60.0)
            task = asyncio.create_task(committer.run())
            for i in range(7):
                staged: Staged = store.stage(0, i, bytes(100 + i))
                assert not store.path(0, i).exists()  # staged is neither durable nor visible
                committer.add(staged)
                await asyncio.sleep(0.01)
            committer.finish()
            await task
            return committer.batches

    assert asyncio.run(run()) == 3
    assert seen == [[0, 1, 2], [3, 4, 5], [6]]
    asset = queue.asset("a")
    assert asset.segments_done == 7 and asset.total_bytes == sum(100 + i for i in range(7))
    queue.close()


def test_a_time_slice_commits_a_partial_batch(tmp_path: Path) -> None:
    """A slow download still becomes durable: a lone slot is committed after `max_wait_s`, not at the end."""
    queue = _queue_with_slots(tmp_path, 2)
    store = SealedStore(tmp_path / "store", SegmentSealer("a", bytes(32)))

    async def run() -> int:
        with ThreadPoolExecutor(1) as pool:
            committer = BatchCommitter(store=store, queue=queue, asset_id="a", on_durable=lambda b: None,
                                       clock=asyncio.get_running_loop().time, executor=pool, max_wait_s=0.05)
            task = asyncio.create_task(committer.run())
            committer.add(store.stage(0, 0, b"x" * 10))
            await asyncio.sleep(0.5)
            done_before_end = queue.asset("a").segments_done
            committer.finish()
            await task
            return done_before_end

    assert asyncio.run(run()) == 1
    queue.close()


def test_adopts_a_committed_but_unrecorded_slot_of_estimated_size(backend: Backend, paths: DownloadPaths) -> None:
    """A crash between the rename and the SQLite commit: resume adopts the sealed file (it authenticates) although
    the slot's size was only an estimate."""
    manager = DownloadManager(paths)
    try:
        info = download(manager, backend.api_url, CLEAR)
        slot = manager.queue.slots(info.asset_id, "done")[-1]
        manager.queue.db.execute("UPDATE segments SET state = 'pending', size = 12345 "
                                 "WHERE asset_id = ? AND track_no = ? AND idx = ?", [info.asset_id, slot.track_no, slot.idx])
        manager.queue.db.execute("UPDATE assets SET state = 'downloading' WHERE asset_id = ?", [info.asset_id])
        assert manager.info(info.asset_id).segments_done == info.segments_total - 1

        def media_requests() -> int:
            return sum(1 for e in backend.edges for r in e.requests if not r.path.endswith((".m3u8", ".mpd")))

        before = media_requests()
        resumed = download(manager, backend.api_url, CLEAR)
        assert resumed.state == "complete" and resumed.bytes_total == info.bytes_total
        assert media_requests() == before  # adopted, not fetched again
    finally:
        manager.close()

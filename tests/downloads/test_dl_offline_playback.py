"""Download (clear and protected), stop the backend, play to the end offline; nothing plaintext at rest."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from backend_stub.server import Backend
from dlkit import CLEAR, LOCKED, download, play_offline, plaintext_marks
from downloads import DownloadManager, DownloadPaths, Progress, SegmentTampered


@pytest.mark.parametrize("title", [CLEAR, LOCKED])
def test_download_then_play_offline_with_backend_stopped(title: str, start_backend: Callable[..., Backend],
                                                         manager: DownloadManager) -> None:
    """A title downloaded from a real backend plays headless to its end after the backend is stopped."""
    backend = start_backend()
    seen: list[Progress] = []
    info = download(manager, backend.api_url, title, progress=seen.append)
    backend.stop()

    assert info.state == "complete" and info.segments_done == info.segments_total
    assert info.protected == (title == LOCKED)
    assert info.licence.state == ("valid" if title == LOCKED else "none")
    assert seen and seen[-1].bytes_done == info.bytes_total and seen[-1].eta_s == 0.0
    report = play_offline(manager, info.asset_id)
    assert report["errors"] == [] and report["decoder_errors"] == 0
    assert report["played_s"] >= 3.5  # the 4 s title, to its end
    assert all(s["cdn"] == -1 for s in report["segments"])  # every byte came from the sealed store


def test_total_size_is_the_bytes_on_the_edge(backend: Backend, manager: DownloadManager) -> None:
    """The size announced before the start equals the bytes of the chosen renditions' files on the edge."""
    info = download(manager, backend.api_url, LOCKED)
    folder = backend.data_dir / "content" / LOCKED
    chosen = ["v240", "a_en", "t_en"]  # best quality, default audio, every subtitle track
    on_edge = sum(p.stat().st_size for d in chosen for p in (folder / d).iterdir())
    assert info.quality == "240p"
    assert info.bytes_total == on_edge
    store = manager.store(info.asset_id)
    sealed = sum(p.stat().st_size for p in store.files())
    assert sealed == on_edge + 20 * info.segments_total  # magic + GCM tag per slot, nothing else


def test_no_plaintext_media_at_rest(start_backend: Callable[..., Backend], manager: DownloadManager,
                                    paths: DownloadPaths) -> None:
    """No stored file (segments, databases, config) holds an MP4 box type or WebVTT text."""
    backend = start_backend()
    for title in (CLEAR, LOCKED):
        download(manager, backend.api_url, title)
    # the negative control: the edge's own files do show the marks this scan looks for
    edge_files = [p for p in (backend.data_dir / "content" / CLEAR).rglob("*") if p.is_file()]
    assert {m for p in edge_files for m in plaintext_marks(p)} >= {b"ftyp", b"moof", b"mdat", b"WEBVTT"}
    stored = [p for root in (paths.data_dir, paths.config_dir) for p in root.rglob("*") if p.is_file()]
    assert len([p for p in stored if p.suffix == ".seg"]) >= 2 * 8
    found = {str(p): plaintext_marks(p) for p in stored}
    assert {k: v for k, v in found.items() if v} == {}


def test_swapped_or_flipped_segment_fails_authentication(backend: Backend, manager: DownloadManager) -> None:
    """A flipped bit, or a sealed file copied over another slot, raises SegmentTampered on read and on verify."""
    info = download(manager, backend.api_url, CLEAR)
    store = manager.store(info.asset_id)
    assert manager.verify(info.asset_id) == info.segments_total
    one, two = store.path(0, 1), store.path(0, 2)
    original = one.read_bytes()

    two_bytes = two.read_bytes()
    one.write_bytes(two_bytes)  # swap: a valid sealed segment in the wrong slot
    with pytest.raises(SegmentTampered):
        store.read(0, 1)
    with pytest.raises(SegmentTampered):
        manager.verify(info.asset_id)

    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x01
    one.write_bytes(bytes(flipped))
    with pytest.raises(SegmentTampered):
        store.read(0, 1)

    one.write_bytes(original)
    assert manager.verify(info.asset_id) == info.segments_total


def test_segment_from_another_asset_fails(backend: Backend, manager: DownloadManager) -> None:
    """The same slot of a second download of the same title does not open in the first (per-asset key + AAD)."""
    first = download(manager, backend.api_url, CLEAR)
    assert download(manager, backend.api_url, CLEAR).asset_id == first.asset_id  # never fetched twice
    other_paths = DownloadPaths(data_dir=manager.paths.data_dir / "other", config_dir=manager.paths.config_dir)
    other = DownloadManager(other_paths, device_key=manager.device_key)
    try:
        third = download(other, backend.api_url, CLEAR)
        mine, theirs = manager.store(first.asset_id), other.store(third.asset_id)
        mine.path(1, 1).write_bytes(theirs.path(1, 1).read_bytes())
        with pytest.raises(SegmentTampered):
            mine.read(1, 1)
    finally:
        other.close()


def test_tampered_store_stops_offline_playback(backend: Backend, manager: DownloadManager) -> None:
    """Offline playback of a download with an altered segment fails with SegmentTampered, not garbage."""
    info = download(manager, backend.api_url, CLEAR)
    store = manager.store(info.asset_id)
    path = store.path(0, 1)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(SegmentTampered):
        play_offline(manager, info.asset_id)


def test_store_path_layout(backend: Backend, manager: DownloadManager, paths: DownloadPaths) -> None:
    """Sealed files live under $REELBOX_HOME/data/downloads/<asset>/<track>/<index>.seg."""
    info = download(manager, backend.api_url, CLEAR)
    files = manager.store(info.asset_id).files()
    assert files and all(p.is_relative_to(paths.data_dir / "downloads" / info.asset_id) for p in files)
    assert all(p.suffix == ".seg" for p in files)
    assert Path(paths.data_dir).parent == paths.config_dir.parent

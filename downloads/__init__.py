"""Offline downloads: a SQLite queue, parallel fetch through the CDN pool, a sealed store, offline licences.

Public face (everything else is an implementation module)::

    manager = DownloadManager(paths=None, *, device_key=None, wall_clock=time.time, perf_clock=time.monotonic,
                              parallel=None (adaptive 4..16) | N (fixed),
                              free_space=disk_free, fmt="hls")
    await manager.download(backend, title_id, DownloadChoice(quality=None|"best"|"lowest"|"240p",
                           audio_languages=None|("en",)|("*",), subtitles=True|False|("en",)),
                           progress=callback(Progress), control=DownloadControl()) -> DownloadInfo
    await manager.resume(asset_id, backend, progress=..., control=...) -> DownloadInfo
    manager.list() -> [DownloadInfo];  manager.info(asset_id);  manager.verify(asset_id) -> slots checked
    playback = manager.open_offline(asset_id)      # OfflinePlayback(presentation, source, keys, ...)
    PlaybackSession(target=asset_id, source=playback.source, presentation=playback.presentation,
                    keys=playback.keys).run()
    await manager.renew(asset_id, backend);  manager.delete(asset_id);  manager.close()
    control.pause(); control.resume(); control.cancel()

Errors: the tree in :mod:`downloads.errors`. Files: :class:`DownloadPaths` (``$REELBOX_HOME`` or platformdirs).
"""
from downloads.download_manager import DownloadInfo, DownloadManager, disk_free
from downloads.errors import (
    AssetIncomplete,
    AssetNotFound,
    Cancelled,
    DiskFull,
    DownloadError,
    FetchFailed,
    LicenceUnusable,
    LiveNotDownloadable,
    NotEnoughSpace,
    PlanError,
    PlaybackLocked,
    QualityUnavailable,
    SealError,
    SegmentMissing,
    SegmentTampered,
    StorageError,
    TitleExpired,
)
from downloads.offline_licences import LicenceView
from downloads.offline_source import OfflinePlayback, OfflineSource
from downloads.paths import DownloadPaths
from downloads.plan import DownloadChoice
from downloads.progress import Progress
from downloads.sealed_store import SealedStore
from downloads.sealing import SegmentSealer
from downloads.slot_fetcher import DownloadControl

__all__ = [
    "AssetIncomplete", "AssetNotFound", "Cancelled", "DiskFull", "DownloadChoice", "DownloadControl", "DownloadError",
    "DownloadInfo", "DownloadManager", "DownloadPaths", "FetchFailed", "LicenceUnusable", "LicenceView",
    "LiveNotDownloadable", "NotEnoughSpace", "OfflinePlayback", "OfflineSource", "PlanError", "PlaybackLocked",
    "Progress", "QualityUnavailable", "SealError", "SealedStore", "SegmentMissing", "SegmentSealer",
    "SegmentTampered", "StorageError", "TitleExpired", "disk_free",
]

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

Names are imported on first use (PEP 562), so ``reelbox download`` and the parser of every other
command pay only for what they touch (issue 19: the command's fixed cost).

Errors: the tree in :mod:`downloads.errors`. Files: :class:`DownloadPaths` (``$REELBOX_HOME`` or platformdirs).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from drm_client.lazy_exports import lazy_exports

if TYPE_CHECKING:  # what the names are, for type checkers (``X as X``: an explicit re-export)
    from downloads.errors import (
        AssetIncomplete as AssetIncomplete,
        AssetNotFound as AssetNotFound,
        Cancelled as Cancelled,
        DiskFull as DiskFull,
        DownloadError as DownloadError,
        FetchFailed as FetchFailed,
        LicenceUnusable as LicenceUnusable,
        LiveNotDownloadable as LiveNotDownloadable,
        NotEnoughSpace as NotEnoughSpace,
        PlanError as PlanError,
        PlaybackLocked as PlaybackLocked,
        QualityUnavailable as QualityUnavailable,
        SealError as SealError,
        SegmentMissing as SegmentMissing,
        SegmentTampered as SegmentTampered,
        StorageError as StorageError,
        TitleExpired as TitleExpired,
    )
    from downloads.plan import (
        DownloadChoice as DownloadChoice,
    )
    from downloads.slot_fetcher import (
        DownloadControl as DownloadControl,
    )
    from downloads.download_manager import (
        DownloadManager as DownloadManager,
        disk_free as disk_free,
    )
    from downloads.paths import (
        DownloadPaths as DownloadPaths,
    )
    from downloads.download_info import (
        DownloadInfo as DownloadInfo,
        LicenceView as LicenceView,
    )
    from downloads.offline_source import (
        OfflinePlayback as OfflinePlayback,
        OfflineSource as OfflineSource,
    )
    from downloads.progress import (
        Progress as Progress,
    )
    from downloads.sealed_store import (
        SealedStore as SealedStore,
    )
    from downloads.sealing import (
        SegmentSealer as SegmentSealer,
    )

_EXPORTS = {
    "AssetIncomplete": "downloads.errors",
    "AssetNotFound": "downloads.errors",
    "Cancelled": "downloads.errors",
    "DiskFull": "downloads.errors",
    "DownloadChoice": "downloads.plan",
    "DownloadControl": "downloads.slot_fetcher",
    "DownloadError": "downloads.errors",
    "DownloadInfo": "downloads.download_info",
    "DownloadManager": "downloads.download_manager",
    "DownloadPaths": "downloads.paths",
    "FetchFailed": "downloads.errors",
    "LicenceUnusable": "downloads.errors",
    "LicenceView": "downloads.download_info",
    "LiveNotDownloadable": "downloads.errors",
    "NotEnoughSpace": "downloads.errors",
    "OfflinePlayback": "downloads.offline_source",
    "OfflineSource": "downloads.offline_source",
    "PlanError": "downloads.errors",
    "PlaybackLocked": "downloads.errors",
    "Progress": "downloads.progress",
    "QualityUnavailable": "downloads.errors",
    "SealError": "downloads.errors",
    "SealedStore": "downloads.sealed_store",
    "SegmentMissing": "downloads.errors",
    "SegmentSealer": "downloads.sealing",
    "SegmentTampered": "downloads.errors",
    "StorageError": "downloads.errors",
    "TitleExpired": "downloads.errors",
    "disk_free": "downloads.download_manager",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)

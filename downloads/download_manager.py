"""The download manager: plan → size → check space → licence → parallel sealed fetch → offline play.

Issue 5 "Download manager". One object per process over the queue database, the sealed store and
the offline licence store (paths from :class:`DownloadPaths`, i.e. ``$REELBOX_HOME`` or
platformdirs). Downloads go through the same :class:`player.net.CdnPool` the engine streams with
(failover, health, ``confine=True`` so a manifest cannot make us fetch outside the title's folder),
from the backend's per-edge HLS (or DASH) manifests.

A download can stop at any instant — pause, cancel, a full disk, a lost network, ``kill -9`` — and
:meth:`resume` continues from what SQLite records as stored, with fresh signed URLs from a new
playback grant (the old ones may have expired). Nothing here reads the clock directly: wall time
(licence windows) and the monotonic clock (rate, ETA) are injected.
"""
from __future__ import annotations

import asyncio
import builtins
import logging
import re
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from drm_client import DeviceKey, load_device_key
from player.backend import BackendClient
from player.manifest import Presentation, Rendition, SegmentRef, Track
from player.net import CdnPool

from downloads import offline_model, sizing
from downloads.errors import (
    AssetIncomplete,
    Cancelled,
    DownloadError,
    FetchFailed,
    LicenceUnusable,
    NotEnoughSpace,
    PlanError,
    StorageError,
)
from downloads.grant import display_name, open_grant
from downloads.download_info import NO_LICENCE, DownloadInfo
from downloads.paths import DownloadPaths
from downloads.plan import DownloadChoice, PlannedTrack, plan_download, quality_name
from downloads.progress import ProgressCallback, ProgressMeter
from downloads.queue_db import AssetRow, QueueDb, SlotRow, TrackRow
from downloads.sealed_store import SealedStore, new_wrapped_asset_key, open_sealer
from downloads.parallelism import ParallelismPolicy, parallelism_policy
from downloads.sealing import OVERHEAD
from downloads.slot_fetcher import DownloadControl, FetchStats, Job, fetch_slots

if TYPE_CHECKING:
    from downloads.offline_licences import OfflineLicences
    from downloads.offline_source import OfflinePlayback

log = logging.getLogger(__name__)

SPACE_MARGIN_BYTES = 32 * 1024 * 1024


def disk_free(path: Path) -> int:
    """Free bytes on the file system that holds ``path`` (or its nearest existing parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def _asset_id(title_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", title_id)[:48] or "title"
    return f"{safe}-{secrets.token_hex(4)}"


class DownloadManager:
    """Downloads of this device: start, resume, pause/cancel (via ``DownloadControl``), list, play, renew, delete."""

    def __init__(
        self,
        paths: DownloadPaths | None = None,
        *,
        device_key: DeviceKey | None = None,
        wall_clock: Callable[[], float] = time.time,
        perf_clock: Callable[[], float] = time.monotonic,
        parallel: int | None = None,
        free_space: Callable[[Path], int] = disk_free,
        fmt: str = "hls",
    ) -> None:
        self.paths = paths or DownloadPaths.default()
        self.paths.root.mkdir(parents=True, exist_ok=True)
        self.device_key = device_key or load_device_key(self.paths.config_dir)
        self.queue = QueueDb(self.paths.queue_db)
        self._licences: OfflineLicences | None = None
        self.wall_clock = wall_clock
        self.perf_clock = perf_clock
        self.parallel = parallel
        self.free_space = free_space
        self.fmt = fmt
        self.last_stats: FetchStats | None = None

    # --- starting and resuming ------------------------------------------------------------
    async def download(self, backend: BackendClient, title_id: str, choice: DownloadChoice | None = None, *,
                       progress: ProgressCallback | None = None, control: DownloadControl | None = None) -> DownloadInfo:
        """Download ``title_id``, resume its unfinished download, or return the finished one."""
        existing = self.queue.find_by_title(title_id)
        if existing is not None and existing.state == "complete":
            return self._info(existing)  # downloaded already: never fetched (or stored) twice
        if existing is not None:
            return await self.resume(existing.asset_id, backend, progress=progress, control=control)
        choice = choice or DownloadChoice()
        name = asyncio.ensure_future(display_name(backend, title_id))  # alongside the grant, not after it
        try:
            return await self._start(backend, title_id, choice, name, progress=progress, control=control)
        finally:
            name.cancel()

    async def _start(self, backend: BackendClient, title_id: str, choice: DownloadChoice, name: asyncio.Future[str], *,
                     progress: ProgressCallback | None, control: DownloadControl | None) -> DownloadInfo:
        async with open_grant(backend, title_id, fmt=self.fmt, device_id=self.queue.device_id()) as (pool, presentation, max_height, kids):
            planned = plan_download(presentation, replace(choice, max_height=choice.max_height or max_height))
            slots = [(p, idx, ref) for p in planned for idx, ref in p.slots()]
            sizes = [sizing.slot_size(ref, kind=p.kind, bandwidth_bps=p.rendition.bandwidth, is_init=idx == 0)
                     for p, idx, ref in slots]
            total = sum(sizes) + OVERHEAD * len(sizes)
            self._check_space(total)
            asset_id = _asset_id(title_id)
            video = planned[0].rendition
            offline = offline_model.offline_presentation(presentation, planned)
            protected = bool(kids)
            self.queue.create_asset(
                asset_id=asset_id, title_id=title_id, name=await name,
                quality=quality_name(video), protected=protected,
                choices={"quality": choice.quality, "audio": choice.audio_languages, "subtitles": choice.subtitles},
                wrapped_key=new_wrapped_asset_key(self.device_key, asset_id),
                presentation_json=offline_model.dumps(offline), now=self.wall_clock(),
                tracks=[TrackRow(track_no=p.track_no, kind=p.kind, language=p.language, rendition_id=p.rendition.id,
                                 bandwidth=p.rendition.bandwidth, height=p.rendition.height) for p in planned],
                slots=[SlotRow(track_no=p.track_no, idx=idx, number=ref.number,
                               byte_start=ref.byte_range.start if ref.byte_range else None,
                               byte_length=ref.byte_range.length if ref.byte_range else None, size=size, state="pending")
                       for (p, idx, ref), size in zip(slots, sizes)])
            log.info("download %s of %s: %d slots, %d bytes", asset_id, title_id, len(slots), sum(sizes))
            if protected:
                await self._acquire_licence(asset_id, backend, title_id, kids)
            jobs = [Job(track=p.track_no, index=idx, ref=ref, size=size) for (p, idx, ref), size in zip(slots, sizes)]
            await self._run(asset_id, pool, jobs, progress=progress, control=control)
        return self.info(asset_id)

    async def resume(self, asset_id: str, backend: BackendClient, *, progress: ProgressCallback | None = None,
                     control: DownloadControl | None = None) -> DownloadInfo:
        """Continue an interrupted download from what is recorded as stored."""
        asset = self.queue.asset(asset_id)
        if asset.state == "complete":
            return self.info(asset_id)
        store = self._store(asset)
        store.sweep()
        adopted = []
        for slot in self.queue.slots(asset_id, "pending"):
            stored = store.adopt(slot.track_no, slot.idx, slot.byte_length)
            if stored is not None:
                adopted.append((slot.track_no, slot.idx, stored))
        self.queue.mark_done(asset_id, adopted)
        pending = self.queue.slots(asset_id, "pending")
        async with open_grant(backend, asset.title_id, fmt=self.fmt, device_id=self.queue.device_id()) as (pool, presentation, _, kids):
            if asset.protected and asset.license_id is None:
                await self._acquire_licence(asset_id, backend, asset.title_id, kids)
            if pending:
                refs = self._refs(asset_id, presentation)
                self._check_space(sum(s.size + OVERHEAD for s in pending))
                jobs = [Job(track=s.track_no, index=s.idx, ref=refs[(s.track_no, s.idx)], size=s.size) for s in pending]
                await self._run(asset_id, pool, jobs, progress=progress, control=control)
            else:
                self.queue.set_state(asset_id, "complete", completed_at=self.wall_clock())
        return self.info(asset_id)

    # --- offline use ----------------------------------------------------------------------
    def open_offline(self, asset_id: str) -> OfflinePlayback:
        """What ``PlaybackSession`` needs to play a download with no network; enforces the licence."""
        from downloads.offline_source import OfflinePlayback, OfflineSource  # the engine's side: not for downloading

        asset = self.queue.asset(asset_id)
        if asset.state != "complete":
            raise AssetIncomplete(f"download {asset_id} is {asset.state} ({asset.segments_done}/{asset.segments_total})")
        if asset.presentation_json is None:
            raise AssetIncomplete(f"download {asset_id} has no stored presentation")
        presentation = offline_model.loads(asset.presentation_json)
        keys = None
        if asset.protected:
            if asset.license_id is None:
                raise LicenceUnusable(f"download {asset_id} has no offline licence; renew it online")
            keys = self.licences.keys_for_playback(asset.license_id)
        playback = OfflinePlayback(asset_id=asset_id, title_id=asset.title_id, presentation=presentation,
                                   source=OfflineSource(self._store(asset)), keys=keys)
        return playback

    def offline_presentation(self, asset_id: str) -> Presentation:
        """The stored model of a download (local addresses)."""
        asset = self.queue.asset(asset_id)
        if asset.presentation_json is None:
            raise AssetIncomplete(f"download {asset_id} has no stored presentation")
        return offline_model.loads(asset.presentation_json)

    def verify(self, asset_id: str) -> int:
        """Authenticate every slot recorded as stored; how many (``SegmentTampered``/``SegmentMissing``)."""
        asset = self.queue.asset(asset_id)
        store = self._store(asset)
        slots = self.queue.slots(asset_id, "done")
        for slot in slots:
            store.verify(slot.track_no, slot.idx)
        return len(slots)

    def store(self, asset_id: str) -> SealedStore:
        """The sealed store of a download (tests, verification tools)."""
        return self._store(self.queue.asset(asset_id))

    # --- licences, list, delete -----------------------------------------------------------
    async def renew(self, asset_id: str, backend: BackendClient) -> DownloadInfo:
        """Renew the offline licence online (new windows, unlocks after a clock rollback)."""
        asset = self.queue.asset(asset_id)
        if not asset.protected:
            return self.info(asset_id)
        if asset.license_id is None:
            await self._acquire_licence(asset_id, backend, asset.title_id, ())
        else:
            new_id = await self.licences.renew(asset.license_id, api_url=backend.api_url, token=backend.access_token,
                                               client=backend.http)
            self.queue.set_licence(asset_id, new_id, self.wall_clock(), renewed=True)
        return self.info(asset_id)

    def info(self, asset_id: str) -> DownloadInfo:
        return self._info(self.queue.asset(asset_id))

    def list(self) -> builtins.list[DownloadInfo]:
        """Every download with its licence state (an expiry noticed here destroys the keys)."""
        return [self._info(a) for a in self.queue.assets()]

    def delete(self, asset_id: str) -> None:
        """Wipe the licence keys, the sealed files and the records."""
        asset = self.queue.asset(asset_id)
        if asset.license_id is not None:
            self.licences.delete(asset.license_id)
        self._store(asset).wipe()
        self.queue.delete_asset(asset_id)

    @property
    def parallel(self) -> ParallelismPolicy:
        """How many segments to fetch at once (see :func:`parallelism_policy`)."""
        return self._parallel

    @parallel.setter
    def parallel(self, setting: int | ParallelismPolicy | None) -> None:
        self._parallel = parallelism_policy(setting)

    @property
    def licences(self) -> OfflineLicences:
        """The offline licence store, opened on first use: a clear title's download never needs it (issue 19)."""
        if self._licences is None:
            from downloads.offline_licences import OfflineLicences

            self._licences = OfflineLicences(self.paths, self.device_key, self.queue.device_id(),
                                             wall_clock=self.wall_clock)
        return self._licences

    def close(self) -> None:
        if self._licences is not None:
            self._licences.close()
        self.queue.close()

    # --- internals ------------------------------------------------------------------------
    def _info(self, a: AssetRow) -> DownloadInfo:
        return DownloadInfo(asset_id=a.asset_id, title_id=a.title_id, name=a.name, state=a.state, quality=a.quality,
                            protected=a.protected, bytes_total=a.total_bytes, bytes_done=a.stored_bytes,
                            segments_total=a.segments_total, segments_done=a.segments_done,
                            licence=NO_LICENCE if a.license_id is None else self.licences.view(a.license_id),
                            error=a.error)

    def _store(self, asset: AssetRow) -> SealedStore:
        return SealedStore(self.paths.root, open_sealer(self.device_key, asset.asset_id, asset.wrapped_key))

    def _check_space(self, needed: int) -> None:
        free = self.free_space(self.paths.root)
        if needed + SPACE_MARGIN_BYTES > free:
            raise NotEnoughSpace(
                f"the download needs {needed / 1e6:.1f} MB (+{SPACE_MARGIN_BYTES // 2**20} MiB margin) "
                f"but only {free / 1e6:.1f} MB are free", needed=needed + SPACE_MARGIN_BYTES, free=free)

    async def _acquire_licence(self, asset_id: str, backend: BackendClient, title_id: str, kids: tuple[bytes, ...]) -> None:
        if not kids:
            kids = offline_model.loads(self.queue.asset(asset_id).presentation_json or "").default_kids()
        license_id = await self.licences.acquire(api_url=backend.api_url, token=backend.access_token,
                                                 title_id=title_id, kids=kids, client=backend.http)
        self.queue.set_licence(asset_id, license_id, self.wall_clock())

    def _refs(self, asset_id: str, presentation: Presentation) -> dict[tuple[int, int], SegmentRef]:
        """Slot → today's ref (fresh URLs) for the renditions recorded in the queue."""
        out: dict[tuple[int, int], SegmentRef] = {}
        by_id: dict[tuple[str, str], tuple[Track, Rendition]] = {
            (t.kind, r.id): (t, r) for p in presentation.periods for t in p.tracks for r in t.renditions}
        for row in self.queue.tracks(asset_id):
            found = by_id.get((row.kind, row.rendition_id))
            if found is None:
                raise PlanError(f"the title no longer offers {row.kind} rendition {row.rendition_id!r}; delete and download again")
            track, rendition = found
            planned = PlannedTrack(track_no=row.track_no, kind=row.kind, language=row.language, label=track.label,
                                   rendition=rendition)
            for idx, ref in planned.slots():
                out[(row.track_no, idx)] = ref
        return out


    async def _run(self, asset_id: str, pool: CdnPool, jobs: Sequence[Job], *, progress: ProgressCallback | None,
                   control: DownloadControl | None) -> None:
        asset = self.queue.asset(asset_id)
        store = self._store(asset)
        control = control or DownloadControl()
        control.on_change(lambda: self.queue.set_state(asset_id, "paused" if control.paused else "downloading"))
        meter = ProgressMeter(asset_id=asset_id, bytes_total=asset.total_bytes,
                              segments_total=asset.segments_total, bytes_done=asset.stored_bytes,
                              segments_done=asset.segments_done)
        self.queue.set_state(asset_id, "downloading")
        stats = FetchStats()
        self.last_stats = stats
        try:
            await fetch_slots(asset_id=asset_id, jobs=jobs, pool=pool, store=store, queue=self.queue, meter=meter,
                              clock=self.perf_clock, parallel=self.parallel, control=control, progress=progress,
                              stats=stats)
        except Cancelled:
            self.delete(asset_id)
            raise
        except (StorageError, FetchFailed) as exc:
            self.queue.set_state(asset_id, "failed", error=f"{type(exc).__name__}: {exc}")
            raise
        except DownloadError:
            self.queue.set_state(asset_id, "failed", error="interrupted")
            raise
        self.queue.set_state(asset_id, "complete", completed_at=self.wall_clock())
        if progress is not None:
            progress(meter.snapshot(self.perf_clock(), "complete"))

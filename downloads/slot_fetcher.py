"""The parallel part of a download: N workers fetch pending slots through the CDN pool and seal them.

Order of one slot (what makes a ``kill -9`` harmless): fetch the whole body into memory → seal and
write it atomically (``SealedStore.write``: tmp, fsync, rename, fsync folder) in a worker thread →
only then commit ``done`` in SQLite → report progress. A crash before the commit leaves at most a
sealed file the next run adopts (``SealedStore.adopt``), never a record without its file.

``DownloadControl`` is the caller's handle: ``pause()`` lets slots in flight land and starts no
new one until ``resume()``; ``cancel()`` stops at once (slots in flight are abandoned; their
temporary files are removed by the store). Time comes from an injected clock (rate and ETA only).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from player.errors import PlayerError
from player.manifest import SegmentRef
from player.net import CdnPool, RequestKind

from downloads.errors import Cancelled, FetchFailed
from downloads.progress import ProgressCallback, ProgressMeter
from downloads.queue_db import QueueDb
from downloads.sealed_store import SealedStore

log = logging.getLogger(__name__)


class DownloadControl:
    """Pause, resume or cancel a running download (from the same event loop)."""

    def __init__(self) -> None:
        self._running = asyncio.Event()
        self._running.set()
        self.cancelled = False
        self._on_change: list[Callable[[], None]] = []

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        if self._running.is_set() and not self.cancelled:
            self._running.clear()
            self._notify()

    def resume(self) -> None:
        if not self._running.is_set() and not self.cancelled:
            self._running.set()
            self._notify()

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            self._running.set()

    def on_change(self, callback: Callable[[], None]) -> None:
        self._on_change.append(callback)

    def _notify(self) -> None:
        for cb in self._on_change:
            cb()

    async def wait_running(self) -> None:
        await self._running.wait()
        if self.cancelled:
            raise Cancelled("the download was cancelled")


@dataclass(frozen=True, kw_only=True)
class Job:
    """One pending slot with where to fetch it from."""

    track: int
    index: int
    ref: SegmentRef
    size: int


@dataclass
class FetchStats:
    """What the run took (benchmarks read ``seal_s`` to price sealing)."""

    bytes: int = 0
    slots: int = 0
    fetch_s: float = 0.0
    store_s: float = 0.0
    started_at: float | None = None
    ended_at: float | None = None


async def fetch_slots(
    *, asset_id: str, jobs: Sequence[Job], pool: CdnPool, store: SealedStore, queue: QueueDb,
    meter: ProgressMeter, clock: Callable[[], float], parallel: int, control: DownloadControl,
    progress: ProgressCallback | None = None, stats: FetchStats | None = None,
) -> FetchStats:
    """Fetch, seal and record every job; ``Cancelled``, ``FetchFailed`` or a ``StorageError`` on failure."""
    stats = stats or FetchStats()
    work: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        work.put_nowait(job)
    meter.start(clock())
    stats.started_at = clock()

    reporting = False

    def report() -> None:
        nonlocal reporting
        if progress is None or reporting:  # a callback that pauses must not re-enter itself
            return
        reporting = True
        try:
            progress(meter.snapshot(clock(), "paused" if control.paused else "downloading"))
        finally:
            reporting = False

    control.on_change(report)

    async def worker() -> None:
        while True:
            await control.wait_running()
            try:
                job = work.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = clock()
            try:
                delivery = await pool.fetch_segment(list(job.ref.urls), byte_range=job.ref.byte_range,
                                                    kind=RequestKind.SEGMENT, confine=True)
            except PlayerError as exc:
                raise FetchFailed(f"segment {job.track}/{job.index} could not be fetched: {exc}") from exc
            body = delivery.body
            if len(body) != job.size:
                log.warning("segment %d/%d: %d bytes, %d announced", job.track, job.index, len(body), job.size)
            fetched = clock()
            if control.cancelled:
                raise Cancelled("the download was cancelled")
            await asyncio.to_thread(store.write, job.track, job.index, body)
            queue.mark_done(asset_id, job.track, job.index, len(body))
            now = clock()
            stats.bytes += len(body)
            stats.slots += 1
            stats.fetch_s += fetched - started
            stats.store_s += now - fetched
            meter.add(now, len(body))
            report()

    tasks = [asyncio.create_task(worker()) for _ in range(max(1, parallel))]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for t in done:
            if t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stats.ended_at = clock()
    return stats

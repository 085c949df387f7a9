"""The parallel part of a download: workers fetch pending slots through the CDN pool and seal them.

How many fetch at once is the :class:`ParallelismGovernor`'s call (4 at first, up to 16 while the
throughput grows, halved when a request needed a retry). Order of one slot (what makes a ``kill -9``
harmless): fetch the whole body into memory → seal it into a temporary file in a store thread
(``SealedStore.stage``) → the :class:`BatchCommitter` makes its batch durable (fsync, rename, fsync
folder) → only then one SQLite commit records the batch ``done`` → progress. A crash before the
commit leaves at most sealed files the next run adopts (``SealedStore.adopt``) or sweeps, never a
record without its file.

``DownloadControl`` is the caller's handle: ``pause()`` lets slots in flight land and starts no
new one until ``resume()``; ``cancel()`` stops at once (slots in flight are abandoned; their
temporary files are removed by the store). Time comes from an injected clock (rate and ETA only).
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from player.errors import PlayerError
from player.manifest import SegmentRef
from player.net import CdnPool, RequestKind

from downloads.batch_commit import BatchCommitter
from downloads.errors import Cancelled, DownloadError, FetchFailed
from downloads.parallelism import ParallelismGovernor, ParallelismPolicy
from downloads.progress import ProgressCallback, ProgressMeter
from downloads.queue_db import QueueDb
from downloads.sealed_store import SealedStore, Staged



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
    """One pending slot with where to fetch it from; ``size`` is the estimate the totals carry until it lands."""

    track: int
    index: int
    ref: SegmentRef
    size: int


@dataclass
class FetchStats:
    """What the run took (benchmarks print the climb of the parallelism and the commit batches)."""

    bytes: int = 0
    slots: int = 0
    fetch_s: float = 0.0
    stage_s: float = 0.0
    batches: int = 0
    parallelism: list[tuple[int, float]] = field(default_factory=list)
    started_at: float | None = None
    ended_at: float | None = None


class _Gate:
    """At most ``limit`` holders at once; the limit may change while holders wait."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._held = 0
        self._changed = asyncio.Condition()

    async def set_limit(self, limit: int) -> None:
        async with self._changed:
            self._limit = limit
            self._changed.notify_all()

    async def __aenter__(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._held < self._limit)
            self._held += 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._changed:
            self._held -= 1
            self._changed.notify_all()


async def fetch_slots(
    *, asset_id: str, jobs: Sequence[Job], pool: CdnPool, store: SealedStore, queue: QueueDb,
    meter: ProgressMeter, clock: Callable[[], float], parallel: ParallelismPolicy, control: DownloadControl,
    progress: ProgressCallback | None = None, stats: FetchStats | None = None,
) -> FetchStats:
    """Fetch, seal and record every job; ``Cancelled``, ``FetchFailed`` or a ``StorageError`` on failure."""
    stats = stats or FetchStats()
    work: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        work.put_nowait(job)
    estimates = {(job.track, job.index): job.size for job in jobs}
    governor = ParallelismGovernor(parallel)
    gate = _Gate(governor.limit)
    loop = asyncio.get_running_loop()
    threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="reelbox-store")
    meter.start(clock())
    stats.started_at = clock()
    governor.on_start(clock())
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

    def durable(batch: Sequence[Staged]) -> None:
        now = clock()
        for item in batch:
            meter.add(now, item.plain_bytes, estimated=estimates[(item.track, item.index)])
        report()

    committer = BatchCommitter(store=store, queue=queue, asset_id=asset_id, on_durable=durable, clock=clock,
                               executor=threads)

    def on_control() -> None:
        if control.paused:
            committer.flush_soon()  # what landed before the pause is recorded now
        else:
            governor.on_start(clock())  # the paused time is no throughput window
        report()

    control.on_change(on_control)

    async def worker() -> None:
        while True:
            await control.wait_running()
            async with gate:
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
                now = clock()
                stats.fetch_s += now - started
                body = delivery.body
                limit = (governor.on_error(now) if delivery.attempts > 1 else governor.on_done(now, len(body)))
                await gate.set_limit(limit)
            if control.cancelled:
                raise Cancelled("the download was cancelled")
            staged = await loop.run_in_executor(threads, store.stage, job.track, job.index, body)
            stats.stage_s += clock() - now
            stats.bytes += len(body)
            stats.slots += 1
            committer.add(staged)

    workers = [asyncio.create_task(worker()) for _ in range(parallel.high)]
    completed = False
    committing = asyncio.create_task(committer.run())
    try:
        running: set[asyncio.Task[None]] = {*workers, committing}
        while not all(w.done() for w in workers):  # the committer runs until told to finish, below
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                failure = task.exception()
                if failure is not None:
                    if task is not committing and not isinstance(failure, Cancelled):
                        committer.finish()  # a full disk or a lost CDN keeps what was already staged
                        with contextlib.suppress(DownloadError):
                            await committing
                    raise failure
        committer.finish()
        await committing
        completed = True
    finally:
        for task in (*workers, committing):
            task.cancel()
        await asyncio.gather(*workers, committing, return_exceptions=True)
        threads.shutdown(wait=True)  # no thread may write into the store after we return (cancel wipes it)
        if not completed:
            store.sweep()  # slots staged but never committed: fetched again on resume
        stats.ended_at = clock()
        stats.batches = committer.batches
        stats.parallelism = list(governor.history)
    return stats

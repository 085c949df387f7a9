"""Durability paid per batch: staged slots become durable and recorded together (issue 19).

Fetch workers seal each body into a temporary file (``SealedStore.stage``) and hand it here. One
committer task gathers them and, every ``max_slots`` slots or ``max_wait_s`` after the oldest one
arrived (whichever comes first), makes the whole batch durable in a worker thread — fsync of each
file, rename into place, one fsync per folder (``SealedStore.commit``) — then records it in one
SQLite transaction (``QueueDb.mark_done``) and only then reports it (``on_durable``). Per slot this was a rename, two
fsyncs and a commit on the fetch path (14–24 % of a worker's time); now the fetches never wait for the
disk, which writes while the network reads.

What a ``kill -9`` can cost is the staged slots not yet committed (at most one batch, or
``max_wait_s`` of transfer): their temporary files are swept and they are fetched again. Nothing
recorded is ever lost and no record ever precedes its file.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

from downloads.queue_db import QueueDb
from downloads.sealed_store import SealedStore, Staged

Durable = Callable[[Sequence[Staged]], None]


class BatchCommitter:
    """Collects staged slots and commits them in batches from :meth:`run` until :meth:`finish`."""

    def __init__(self, *, store: SealedStore, queue: QueueDb, asset_id: str, on_durable: Durable,
                 clock: Callable[[], float], executor: Executor, max_slots: int = 32, max_wait_s: float = 0.25) -> None:
        self._store = store
        self._queue = queue
        self._asset_id = asset_id
        self._on_durable = on_durable
        self._clock = clock
        self._executor = executor
        self._max_slots = max_slots
        self._max_wait_s = max_wait_s
        self._pending: list[Staged] = []
        self._oldest: float | None = None
        self._wake = asyncio.Event()
        self._finishing = False
        self._flush = False
        self.batches = 0

    def add(self, staged: Staged) -> None:
        """A slot sealed into its temporary file, to be made durable with the next batch."""
        if not self._pending:
            self._oldest = self._clock()
            self._wake.set()  # the batch's clock starts
        self._pending.append(staged)
        if len(self._pending) >= self._max_slots:
            self._wake.set()

    def flush_soon(self) -> None:
        """Commit what is staged without waiting for the batch to fill (a pause)."""
        self._flush = True
        self._wake.set()

    def finish(self) -> None:
        """No more slots are coming: commit the rest, then :meth:`run` returns."""
        self._finishing = True
        self._wake.set()

    async def run(self) -> None:
        """The committer task: raises the ``StorageError`` of a failed batch (its unrenamed files removed)."""
        while True:
            await self._batch_ready()
            if self._pending:
                batch, self._pending = self._pending, []
                await asyncio.get_running_loop().run_in_executor(self._executor, self._commit, batch)
                self.batches += 1
                self._on_durable(batch)
            elif self._finishing:
                return

    async def _batch_ready(self) -> None:
        """Until the batch is full, its oldest slot has waited ``max_wait_s``, a flush is asked, or the end."""
        while not (self._finishing or self._flush):
            if self._pending and len(self._pending) >= self._max_slots:
                break
            left = (self._oldest or 0.0) + self._max_wait_s - self._clock() if self._pending else None
            if left is not None and left <= 0:
                break
            try:
                async with asyncio.timeout(left):
                    await self._wake.wait()
            except TimeoutError:
                break
            finally:
                self._wake.clear()
        self._flush = False

    def _commit(self, batch: list[Staged]) -> None:
        self._store.commit(batch)
        self._queue.mark_done(self._asset_id, [(s.track, s.index, s.plain_bytes) for s in batch])

"""A thread that moves queued items from the asyncio loop into the outbox (SQLite) in batches.

Why a thread: session listeners run on the engine's asyncio loop and must never block (``player/qoe.py``);
a listener only does ``SimpleQueue.put`` (lock-free, microseconds) and this thread commits whatever has
arrived in one transaction, typically within a millisecond. ``on_commit(kinds, [(queue id, event_id)...])`` tells the uploader that new
items are durable (called on this thread; hand it something thread-safe such as
``loop.call_soon_threadsafe``).
"""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from player.sync.errors import OutboxError
from player.sync.outbox import Outbox

log = logging.getLogger(__name__)
MAX_BATCH = 500
_STOP = object()


class OutboxWriter:
    """``put(kind, item)`` from any thread; ``flush()`` waits until everything put so far is committed."""

    def __init__(self, outbox: Outbox, *, on_commit: Callable[[list[str], list[tuple[int, str]]], None] | None = None) -> None:
        self._outbox = outbox
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._on_commit = on_commit
        self.committed = 0
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name="reelbox-sync-writer", daemon=True)
        self._thread.start()

    def put(self, kind: str, item: Any) -> None:
        self._queue.put((kind, item))

    def flush(self, timeout_s: float = 10.0) -> bool:
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout_s)

    def close(self, timeout_s: float = 10.0) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout_s)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            batch: list[Any] = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            items = [b for b in batch if isinstance(b, tuple)]
            stopping = any(b is _STOP for b in batch)
            if items:
                try:
                    ids = self._outbox.append(items)
                    self.committed += len(ids)
                    if self._on_commit is not None:
                        self._on_commit([k for k, _ in items], ids)
                except OutboxError as exc:  # disk full or similar: count it, keep playing
                    self.failures += len(items)
                    log.warning("sync queue write failed: %s", exc)
                except Exception:  # noqa: BLE001 - on_commit observers must not kill the writer
                    log.exception("sync writer observer failed")
            for b in batch:
                if isinstance(b, threading.Event):
                    b.set()

"""TelemetrySink: stores telemetry off the event loop, in batches, and keeps ``/metrics`` current (issue 16).

Why a thread with its own SQLite connection: inserting on the API's loop made one anonymous flooder
stall every other request. The route hands a checked, scrubbed batch to :meth:`submit` and awaits the
answer (so ``accepted``/``duplicates`` stay exact); the thread drains whatever has queued meanwhile in
one transaction, feeds each newly stored event to :class:`LiveMetrics`, re-renders the page, then
answers. The queue is bounded: when it is full the route answers 503 at once instead of piling up.
Every few seconds when idle it refreshes the ``progress`` row gauge.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import queue
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend_stub.api.errors import Unavailable
from backend_stub.api.live_metrics import LiveMetrics
from backend_stub.api.telemetry import EVENT_TYPES

MAX_PENDING = 256  # batches waiting for the writer
IDLE_REFRESH_S = 5.0


@dataclass(frozen=True)
class _Batch:
    events: list[tuple[dict[str, Any], str]]
    user_id: int | None
    now: float
    answer: concurrent.futures.Future[tuple[int, int]]


class TelemetrySink:
    def __init__(self, database: Path) -> None:
        self._conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None, timeout=10)
        self._conn.execute("PRAGMA busy_timeout=10000")
        self.metrics = LiveMetrics(self._known_titles)
        self._replay()
        self._queue: queue.Queue[_Batch | None] = queue.Queue(MAX_PENDING)
        self._thread = threading.Thread(target=self._run, name="reelbox-telemetry", daemon=True)
        self._thread.start()

    async def submit(self, events: list[tuple[dict[str, Any], str]], *, user_id: int | None,
                     now: float) -> tuple[int, int]:
        """Store ``(event, payload)`` pairs; ``(accepted, duplicates)``. Raises Unavailable when backed up."""
        answer: concurrent.futures.Future[tuple[int, int]] = concurrent.futures.Future()
        try:
            self._queue.put_nowait(_Batch(events, user_id, now, answer))
        except queue.Full:
            raise Unavailable("telemetry is backed up; retry later", code="telemetry_busy") from None
        return await asyncio.wrap_future(answer)

    def close(self) -> None:
        """Finish what is queued, stop the thread, close the connection."""
        self._queue.put(None)
        self._thread.join(timeout=15)
        self._conn.close()

    # ---------------------------------------------------------------- the writer thread
    def _known_titles(self) -> set[str]:
        return {row[0] for row in self._conn.execute("SELECT id FROM titles")}

    def _replay(self) -> None:
        """Count what earlier runs stored (once, at start: the counters live in memory)."""
        for (payload,) in self._conn.execute("SELECT payload FROM telemetry ORDER BY received_at, rowid"):
            try:
                event = json.loads(payload)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("type") in EVENT_TYPES:
                self.metrics.observe(event)
        self._refresh_gauges()

    def _refresh_gauges(self) -> None:
        (rows,) = self._conn.execute("SELECT COUNT(*) FROM progress").fetchone()
        self.metrics.set_progress_rows(int(rows))
        self.metrics.publish()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_REFRESH_S)
            except queue.Empty:
                self._refresh_gauges()
                continue
            batches = [first]
            while len(batches) < MAX_PENDING:
                try:
                    batches.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            live = [b for b in batches if b is not None]
            if live:
                self._store(live)
            if None in batches:
                return

    def _store(self, batches: list[_Batch]) -> None:
        results: list[tuple[int, int]] = []
        stored: list[dict[str, Any]] = []
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            for b in batches:
                accepted = 0
                for event, payload in b.events:
                    ts = event.get("ts")
                    cur = self._conn.execute(
                        "INSERT OR IGNORE INTO telemetry (event_id, user_id, type, ts, received_at, payload) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        [str(event["event_id"]), b.user_id, str(event["type"]),
                         ts if isinstance(ts, (int, float)) else None, b.now, payload],
                    )
                    if cur.rowcount:
                        accepted += 1
                        stored.append(event)
                results.append((accepted, len(b.events) - accepted))
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            for b in batches:
                b.answer.set_exception(Unavailable(f"telemetry not stored: {type(exc).__name__}",
                                                   code="telemetry_busy"))
            return
        for event in stored:
            self.metrics.observe(event)
        self.metrics.publish()
        for b, result in zip(batches, results):
            b.answer.set_result(result)

"""The durable on-disk queue (SQLite) for progress updates and telemetry events, plus local progress.

Why SQLite: a committed row survives a crash of the process (SIGKILL) and an offline stretch of any
length; WAL lets the writer thread append while the uploader reads the head. Items keep one global
order (``id``, AUTOINCREMENT so an id is never reused) and the uploader delivers strictly in that
order, so progress replays in the order it was made. An item is deleted only after the backend
acknowledged it: at-least-once delivery, duplicates removed by ``event_id`` at the backend.

Tables (``sync.sqlite`` under the data dir):

- ``outbox(id, kind, title_id, event_id, body, made_at, attempts)``: ``kind`` is ``progress`` or
  ``telemetry``; ``body`` the JSON to send; ``made_at`` the wall-clock time it was made (the progress
  ``age_s`` is computed from it at send time — see the conflict rule in ``backend_stub/api/progress.py``).
- ``rejected``: items the backend refused for good, kept for diagnosis.
- ``local_progress(title_id, position_s, duration_s, made_at, completed)``: the newest position this
  installation made, for resuming offline.
- ``counters(name, value)``: the per-device progress sequence (conflict rule 1).

Thread-safe: one connection behind a lock (the writer thread and the uploader's worker threads).
"""
from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from player.sync.errors import OutboxError

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    title_id TEXT,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL,
    made_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rejected (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, event_id TEXT NOT NULL, body TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS local_progress (
    title_id TEXT PRIMARY KEY, position_s REAL NOT NULL, duration_s REAL NOT NULL, made_at REAL NOT NULL,
    completed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
PROGRESS = "progress"
TELEMETRY = "telemetry"


@dataclass(frozen=True, kw_only=True)
class OutboxItem:
    """One queued item as stored."""

    id: int
    kind: str
    title_id: str | None
    event_id: str
    body: dict[str, Any]
    made_at: float
    attempts: int


@dataclass(frozen=True, kw_only=True)
class LocalProgress:
    title_id: str
    position_s: float
    duration_s: float
    made_at: float
    completed: bool


@dataclass(frozen=True, kw_only=True)
class NewProgress:
    """A progress update before it is queued (the outbox gives it its sequence number)."""

    title_id: str
    position_s: float
    duration_s: float
    device_id: str
    made_at: float
    event_id: str
    completed: bool


class Outbox:
    """The queue file; open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Outbox:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10.0)
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL+NORMAL: a process crash loses no commit
            conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise OutboxError(f"cannot open the sync queue at {path}: {exc}") from None
        return cls(conn, path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _tx(self, fn: Any) -> Any:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(self._conn)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
                return result
            except sqlite3.Error as exc:
                raise OutboxError(f"sync queue: {exc}") from None

    # -- writing ---------------------------------------------------------------------------

    def append(self, items: list[tuple[str, Any]]) -> list[tuple[int, str]]:
        """Queue a batch in one transaction: ``("telemetry", event dict)`` or ``("progress", NewProgress)``.

        Returns ``(queue id, event_id)`` per item, in order.
        """

        def run(conn: sqlite3.Connection) -> list[tuple[int, str]]:
            ids = []
            for kind, item in items:
                if kind == PROGRESS:
                    ids.append((self._append_progress(conn, item), item.event_id))
                else:
                    cur = conn.execute(
                        "INSERT INTO outbox (kind, title_id, event_id, body, made_at) VALUES (?, ?, ?, ?, ?)",
                        [TELEMETRY, item.get("title_id"), str(item["event_id"]), json.dumps(item, separators=(",", ":")),
                         float(item.get("ts") or 0.0)],
                    )
                    ids.append((int(cur.lastrowid or 0), str(item["event_id"])))
            return ids

        return list(self._tx(run))

    @staticmethod
    def _append_progress(conn: sqlite3.Connection, p: NewProgress) -> int:
        conn.execute("INSERT INTO counters (name, value) VALUES ('progress_seq', 1) "
                     "ON CONFLICT (name) DO UPDATE SET value = value + 1")
        (seq,) = conn.execute("SELECT value FROM counters WHERE name = 'progress_seq'").fetchone()
        body = {"position_s": round(p.position_s, 3), "duration_s": p.duration_s, "device_id": p.device_id,
                "client_ts": p.made_at, "event_id": p.event_id, "seq": seq}
        cur = conn.execute(
            "INSERT INTO outbox (kind, title_id, event_id, body, made_at) VALUES (?, ?, ?, ?, ?)",
            [PROGRESS, p.title_id, p.event_id, json.dumps(body, separators=(",", ":")), p.made_at],
        )
        conn.execute(
            "INSERT INTO local_progress (title_id, position_s, duration_s, made_at, completed) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (title_id) DO UPDATE SET position_s = excluded.position_s, duration_s = excluded.duration_s, "
            "made_at = excluded.made_at, completed = excluded.completed",
            [p.title_id, p.position_s, p.duration_s, p.made_at, int(p.completed)],
        )
        return int(cur.lastrowid or 0)

    # -- reading / acknowledging ---------------------------------------------------------------

    def head(self, limit: int) -> list[OutboxItem]:
        """The oldest ``limit`` items, in queue order."""
        with self._lock:
            try:
                rows = self._conn.execute(
                    "SELECT id, kind, title_id, event_id, body, made_at, attempts FROM outbox ORDER BY id LIMIT ?",
                    [limit],
                ).fetchall()
            except sqlite3.Error as exc:
                raise OutboxError(f"sync queue: {exc}") from None
        return [OutboxItem(id=r[0], kind=r[1], title_id=r[2], event_id=r[3], body=json.loads(r[4]), made_at=r[5],
                           attempts=r[6]) for r in rows]

    def delivered(self, ids: list[int]) -> None:
        self._tx(lambda conn: conn.executemany("DELETE FROM outbox WHERE id = ?", [[i] for i in ids]))

    def failed(self, ids: list[int]) -> None:
        self._tx(lambda conn: conn.executemany("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?",
                                               [[i] for i in ids]))

    def reject(self, items: list[OutboxItem], reason: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            for it in items:
                conn.execute("INSERT OR REPLACE INTO rejected (id, kind, event_id, body, reason) VALUES (?, ?, ?, ?, ?)",
                             [it.id, it.kind, it.event_id, json.dumps(it.body), reason])
                conn.execute("DELETE FROM outbox WHERE id = ?", [it.id])

        self._tx(run)

    def pending(self, kind: str | None = None) -> int:
        with self._lock:
            sql, args = ("SELECT COUNT(*) FROM outbox", []) if kind is None else (
                "SELECT COUNT(*) FROM outbox WHERE kind = ?", [kind])
            return int(self._conn.execute(sql, args).fetchone()[0])

    def local_progress(self, title_id: str) -> LocalProgress | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT title_id, position_s, duration_s, made_at, completed FROM local_progress WHERE title_id = ?",
                [title_id],
            ).fetchone()
        if row is None:
            return None
        return LocalProgress(title_id=row[0], position_s=row[1], duration_s=row[2], made_at=row[3],
                             completed=bool(row[4]))

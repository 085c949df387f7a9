"""The download queue in SQLite (the standard library's ``sqlite3``: sqlite-utils cost 30 ms of every command's
imports, issue 19): assets, their tracks, every segment slot, licences.

Why SQLite: the queue must survive a ``kill -9`` between any two instructions. Each state change is
one transaction; a slot becomes ``done`` only after its sealed file has landed (see
``sealed_store``), so the database never claims more than the disk holds. WAL journal: readers
(the UI listing downloads) do not block the downloader's commits. ``synchronous=NORMAL``: a commit
survives a ``kill -9`` at once (it is in the WAL) and power loss from the next checkpoint on; a commit
lost to power loss only makes the database lag behind the disk, which the next resume closes by
adopting the sealed files it finds (they were fsynced before the commit). Per-commit fsyncs cost
10–300 ms each on a box busy writing back other files (ext4 commits its whole journal on fsync).

Tables
- ``meta(name, value)``: the device id used for offline licences;
- ``assets``: one row per download (title, state, choices, sizes, wrapped asset key, the offline
  presentation as JSON, licence id, timestamps, last error);
- ``tracks``: the renditions chosen, numbered 0..n within the asset (the ``track`` of a slot);
- ``segments``: one row per slot (``idx`` 0 = init, 1..N media) with its media number, byte range,
  size (estimated from the manifest until the slot is stored, then the stored size), stored size and
  ``state`` (``pending``/``done``); an asset's total is the sum of its slots' sizes;
- ``licences``: the offline licence of an asset (the keys themselves live sealed in drm_client's
  licence store; this row only links them).
"""
from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from downloads.errors import AssetNotFound, DownloadError

AssetState = Literal["queued", "downloading", "paused", "complete", "failed"]


@dataclass(frozen=True, kw_only=True)
class AssetRow:
    """One download as stored."""

    asset_id: str
    title_id: str
    name: str
    state: str
    quality: str
    protected: bool
    total_bytes: int
    stored_bytes: int
    segments_total: int
    segments_done: int
    license_id: str | None
    created_at: float
    completed_at: float | None
    error: str | None
    wrapped_key: bytes
    presentation_json: str | None


@dataclass(frozen=True, kw_only=True)
class TrackRow:
    track_no: int
    kind: str
    language: str | None
    rendition_id: str
    bandwidth: int
    height: int | None


@dataclass(frozen=True, kw_only=True)
class SlotRow:
    track_no: int
    idx: int
    number: int
    byte_start: int | None
    byte_length: int | None
    size: int
    state: str


class QueueDb:
    """The queue database; every method is one transaction, safe to call from several threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA secure_delete=ON")  # a deleted asset's wrapped key is overwritten
            self.db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise DownloadError(f"the download queue {path} is unusable: {exc}") from exc

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    self.db.execute("ROLLBACK")
                    raise
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise DownloadError(f"the download queue failed: {exc}") from exc

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            try:
                return [dict(row) for row in self.db.execute(sql, params)]
            except sqlite3.Error as exc:
                raise DownloadError(f"the download queue failed: {exc}") from exc

    # --- device ----------------------------------------------------------------------------
    def device_id(self) -> str:
        """This install's device id (random, created once) for offline licences."""
        rows = self._query("SELECT value FROM meta WHERE name = 'device_id'")
        if rows:
            return str(rows[0]["value"])
        with self._tx() as db:
            value = "rbx-" + secrets.token_hex(12)
            db.execute("INSERT OR IGNORE INTO meta(name, value) VALUES ('device_id', ?)", [value])
        return str(self._query("SELECT value FROM meta WHERE name = 'device_id'")[0]["value"])

    # --- assets ----------------------------------------------------------------------------
    def create_asset(self, *, asset_id: str, title_id: str, name: str, quality: str, protected: bool,
                     choices: dict[str, Any], wrapped_key: bytes, presentation_json: str, now: float,
                     tracks: Iterable[TrackRow], slots: Iterable[SlotRow]) -> None:
        """The whole plan in one transaction: a crash leaves either no asset or a complete queue."""
        slot_list = list(slots)
        with self._tx() as db:
            db.execute(
                "INSERT INTO assets (asset_id, title_id, name, state, quality, protected, choices, total_bytes, "
                "license_id, created_at, completed_at, error, wrapped_key, presentation) "
                "VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, NULL, ?, NULL, NULL, ?, ?)",
                [asset_id, title_id, name, quality, int(protected), json.dumps(choices),
                 sum(s.size for s in slot_list), now, wrapped_key, presentation_json])
            db.executemany(
                "INSERT INTO tracks (asset_id, track_no, kind, language, rendition_id, bandwidth, height) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(asset_id, t.track_no, t.kind, t.language, t.rendition_id, t.bandwidth, t.height) for t in tracks])
            db.executemany(
                "INSERT INTO segments (asset_id, track_no, idx, number, byte_start, byte_length, size, stored, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 'pending')",
                [(asset_id, s.track_no, s.idx, s.number, s.byte_start, s.byte_length, s.size) for s in slot_list])

    def asset(self, asset_id: str) -> AssetRow:
        rows = self._query(_ASSET_SQL + " WHERE a.asset_id = ? GROUP BY a.asset_id", [asset_id])
        if not rows:
            raise AssetNotFound(f"no download {asset_id!r}")
        return _asset_row(rows[0])

    def assets(self) -> list[AssetRow]:
        return [_asset_row(r) for r in self._query(_ASSET_SQL + " GROUP BY a.asset_id ORDER BY a.created_at")]

    def find_by_title(self, title_id: str) -> AssetRow | None:
        rows = [a for a in self.assets() if a.title_id == title_id]
        return rows[-1] if rows else None

    def set_state(self, asset_id: str, state: AssetState, *, error: str | None = None,
                  completed_at: float | None = None) -> None:
        with self._tx() as db:
            db.execute("UPDATE assets SET state = ?, error = ?, completed_at = COALESCE(?, completed_at) "
                       "WHERE asset_id = ?", [state, error, completed_at, asset_id])

    def set_licence(self, asset_id: str, license_id: str, now: float, *, renewed: bool = False) -> None:
        with self._tx() as db:
            db.execute("UPDATE assets SET license_id = ? WHERE asset_id = ?", [license_id, asset_id])
            if renewed:
                db.execute("UPDATE licences SET license_id = ?, renewed_at = ? WHERE asset_id = ?",
                           [license_id, now, asset_id])
            else:
                db.execute("INSERT INTO licences (asset_id, license_id, acquired_at, renewed_at) VALUES (?, ?, ?, NULL) "
                           "ON CONFLICT(asset_id) DO UPDATE SET license_id = excluded.license_id, "
                           "acquired_at = excluded.acquired_at, renewed_at = NULL", [asset_id, license_id, now])

    def delete_asset(self, asset_id: str) -> None:
        with self._tx() as db:
            for table in ("segments", "tracks", "licences", "assets"):
                db.execute(f"DELETE FROM {table} WHERE asset_id = ?", [asset_id])
        with self._lock:  # fold the WAL back so no old page copy of the wrapped key lingers there
            try:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise DownloadError(f"the download queue failed: {exc}") from exc

    # --- tracks and slots ------------------------------------------------------------------
    def tracks(self, asset_id: str) -> list[TrackRow]:
        rows = self._query("SELECT * FROM tracks WHERE asset_id = ? ORDER BY track_no", [asset_id])
        return [TrackRow(track_no=r["track_no"], kind=r["kind"], language=r["language"],
                         rendition_id=r["rendition_id"], bandwidth=r["bandwidth"], height=r["height"]) for r in rows]

    def slots(self, asset_id: str, state: str | None = None) -> list[SlotRow]:
        sql = "SELECT * FROM segments WHERE asset_id = ?" + (" AND state = ?" if state else "")
        rows = self._query(sql + " ORDER BY idx, track_no", [asset_id, state] if state else [asset_id])
        return [SlotRow(track_no=r["track_no"], idx=r["idx"], number=r["number"], byte_start=r["byte_start"],
                        byte_length=r["byte_length"], size=r["size"], state=r["state"]) for r in rows]

    def mark_done(self, asset_id: str, stored: Sequence[tuple[int, int, int]]) -> None:
        """Record slots whose sealed files have landed, one transaction for the batch: ``(track, idx, bytes)``.

        The stored byte count replaces the slot's estimated size (``sizing``), so totals converge on the truth."""
        if not stored:
            return
        with self._tx() as db:
            db.executemany(
                "UPDATE segments SET state = 'done', stored = ?, size = ? WHERE asset_id = ? AND track_no = ? AND idx = ?",
                [(n, n, asset_id, track, idx) for track, idx, n in stored])

    def close(self) -> None:
        with self._lock:
            self.db.close()


# The tables as sqlite-utils created them in earlier versions (same names, types and keys), so an existing
# queue opens unchanged.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS [meta] ([name] TEXT PRIMARY KEY, [value] TEXT);
CREATE TABLE IF NOT EXISTS [assets] (
   [asset_id] TEXT PRIMARY KEY, [title_id] TEXT NOT NULL, [name] TEXT, [state] TEXT NOT NULL, [quality] TEXT,
   [protected] INTEGER, [choices] TEXT, [total_bytes] INTEGER, [license_id] TEXT, [created_at] REAL,
   [completed_at] REAL, [error] TEXT, [wrapped_key] BLOB NOT NULL, [presentation] TEXT);
CREATE TABLE IF NOT EXISTS [tracks] (
   [asset_id] TEXT REFERENCES [assets]([asset_id]), [track_no] INTEGER, [kind] TEXT, [language] TEXT,
   [rendition_id] TEXT, [bandwidth] INTEGER, [height] INTEGER, PRIMARY KEY ([asset_id], [track_no]));
CREATE TABLE IF NOT EXISTS [segments] (
   [asset_id] TEXT REFERENCES [assets]([asset_id]), [track_no] INTEGER, [idx] INTEGER, [number] INTEGER,
   [byte_start] INTEGER, [byte_length] INTEGER, [size] INTEGER, [stored] INTEGER, [state] TEXT,
   PRIMARY KEY ([asset_id], [track_no], [idx]));
CREATE INDEX IF NOT EXISTS [idx_segments_asset_id_state] ON [segments] ([asset_id], [state]);
CREATE TABLE IF NOT EXISTS [licences] (
   [asset_id] TEXT PRIMARY KEY REFERENCES [assets]([asset_id]), [license_id] TEXT, [acquired_at] REAL,
   [renewed_at] REAL);
"""

_ASSET_SQL = (
    "SELECT a.*, COUNT(s.idx) AS segments_total, COALESCE(SUM(s.size), 0) AS slot_bytes, "
    "COALESCE(SUM(CASE WHEN s.state = 'done' THEN 1 ELSE 0 END), 0) AS segments_done, "
    "COALESCE(SUM(CASE WHEN s.state = 'done' THEN s.size ELSE 0 END), 0) AS stored_bytes "
    "FROM assets a LEFT JOIN segments s ON s.asset_id = a.asset_id"
)


def _asset_row(r: dict[str, Any]) -> AssetRow:
    return AssetRow(
        asset_id=r["asset_id"], title_id=r["title_id"], name=r["name"] or r["title_id"], state=r["state"],
        quality=r["quality"] or "", protected=bool(r["protected"]), total_bytes=int(r["slot_bytes"]),
        stored_bytes=int(r["stored_bytes"]), segments_total=int(r["segments_total"]),
        segments_done=int(r["segments_done"]), license_id=r["license_id"], created_at=float(r["created_at"]),
        completed_at=r["completed_at"], error=r["error"], wrapped_key=bytes(r["wrapped_key"]),
        presentation_json=r["presentation"],
    )

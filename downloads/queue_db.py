"""The download queue in SQLite (sqlite-utils): assets, their tracks, every segment slot, licences.

Why SQLite: the queue must survive a ``kill -9`` between any two instructions. Each state change is
one transaction; a slot becomes ``done`` only after its sealed file has landed (see
``sealed_store``), so the database never claims more than the disk holds. WAL journal: readers
(the UI listing downloads) do not block the downloader's commits.

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

import sqlite_utils

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
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.execute("PRAGMA secure_delete=ON")  # a deleted asset's wrapped key is overwritten
            self._create()
        except sqlite3.Error as exc:
            raise DownloadError(f"the download queue {path} is unusable: {exc}") from exc

    def _create(self) -> None:
        names = set(self.db.table_names())
        if "meta" not in names:
            self.db.table("meta").create({"name": str, "value": str}, pk="name")
        if "assets" not in names:
            self.db.table("assets").create(
                {"asset_id": str, "title_id": str, "name": str, "state": str, "quality": str, "protected": int,
                 "choices": str, "total_bytes": int, "license_id": str, "created_at": float,
                 "completed_at": float, "error": str, "wrapped_key": bytes, "presentation": str},
                pk="asset_id", not_null={"title_id", "state", "wrapped_key"})
        if "tracks" not in names:
            self.db.table("tracks").create(
                {"asset_id": str, "track_no": int, "kind": str, "language": str, "rendition_id": str,
                 "bandwidth": int, "height": int},
                pk=("asset_id", "track_no"), foreign_keys=[("asset_id", "assets", "asset_id")])
        if "segments" not in names:
            self.db.table("segments").create(
                {"asset_id": str, "track_no": int, "idx": int, "number": int, "byte_start": int,
                 "byte_length": int, "size": int, "stored": int, "state": str},
                pk=("asset_id", "track_no", "idx"), foreign_keys=[("asset_id", "assets", "asset_id")])
            self.db.table("segments").create_index(["asset_id", "state"])
        if "licences" not in names:
            self.db.table("licences").create(
                {"asset_id": str, "license_id": str, "acquired_at": float, "renewed_at": float},
                pk="asset_id", foreign_keys=[("asset_id", "assets", "asset_id")])

    @contextmanager
    def _tx(self) -> Iterator[sqlite_utils.Database]:
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
                return list(self.db.query(sql, params))
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
            db.table("assets").insert({
                "asset_id": asset_id, "title_id": title_id, "name": name, "state": "queued", "quality": quality,
                "protected": int(protected), "choices": json.dumps(choices),
                "total_bytes": sum(s.size for s in slot_list), "license_id": None, "created_at": now,
                "completed_at": None, "error": None, "wrapped_key": wrapped_key, "presentation": presentation_json})
            db.table("tracks").insert_all({"asset_id": asset_id, "track_no": t.track_no, "kind": t.kind,
                                     "language": t.language, "rendition_id": t.rendition_id,
                                     "bandwidth": t.bandwidth, "height": t.height} for t in tracks)
            db.table("segments").insert_all({"asset_id": asset_id, "track_no": s.track_no, "idx": s.idx,
                                       "number": s.number, "byte_start": s.byte_start, "byte_length": s.byte_length,
                                       "size": s.size, "stored": 0, "state": "pending"} for s in slot_list)

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
                db.table("licences").upsert({"asset_id": asset_id, "license_id": license_id, "acquired_at": now,
                                       "renewed_at": None}, pk="asset_id")

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
            db.conn.executemany(
                "UPDATE segments SET state = 'done', stored = ?, size = ? WHERE asset_id = ? AND track_no = ? AND idx = ?",
                [(n, n, asset_id, track, idx) for track, idx, n in stored])

    def close(self) -> None:
        with self._lock:
            self.db.close()


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

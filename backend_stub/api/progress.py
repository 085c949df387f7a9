"""Watch progress, "continue watching", and the one rule that settles two devices writing the same title.

Conflict rule (issue 7) — *receipt time corrected by the client's own age, ordered per device by sequence*:

1. **Per device, the sequence decides.** Each update carries ``seq``, a counter the device increments
   for every update it makes (persisted with its outbox, so it survives restarts). The server keeps the
   highest ``seq`` it has seen per (user, title, device); an update whose ``seq`` is not above it is
   stale or a duplicate and is refused. Updates without ``seq`` (older clients) use ``client_ts`` as
   their sequence — within *one* device a wall clock is ordered well enough.
2. **Across devices, the server's clock decides.** Client clocks may be hours apart, so ``client_ts``
   is never compared between devices. Instead the server stamps ``received_at`` and the client says how
   long ago it made the update, ``age_s`` (measured on the client's clock as *now - made_at*: a
   difference, so a constant skew cancels out). The update's *effective time* is
   ``effective_at = received_at - clamp(age_s, 0, max_age_s)``. A live update has age ≈ 0; a position
   recorded offline two hours ago and replayed now is placed two hours back. The incoming update
   replaces the stored one (written by another device) only if ``(effective_at, device_id)`` is
   strictly greater — the device id breaks exact ties, so the outcome never depends on arrival order
   of equal times.
3. Same ``event_id`` again (an at-least-once retry) changes nothing.

Hence an older update never overwrites a newer one: older from the same device by ``seq``, older from
another device by its effective time on the server's clock. Every applied update bumps the row's
``version`` (a per-title counter clients can use to notice changes), and the response always returns
the stored row, so a refused client learns the winner.

Completion: a title is completed at ≥ ``completed_fraction`` (95 %) of its duration, or once past its
credits marker (``titles.credits_s`` when that column exists and is set). A completed title leaves
continue watching and resumes from 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

#: Offline stretches longer than this are treated as this old (a device clock jump cannot push an
#: update years into the past or make its age negative).
MAX_AGE_S = 30 * 24 * 3600.0

_MIGRATIONS = {
    "effective_at": "REAL",
    "seq": "REAL",
    "version": "INTEGER NOT NULL DEFAULT 0",
    "completed": "INTEGER NOT NULL DEFAULT 0",
}
_SCHEMA_READY = "_reelbox_progress_schema"


@dataclass(frozen=True, kw_only=True)
class ProgressUpdate:
    title_id: str
    position_s: float
    duration_s: float
    device_id: str
    client_ts: float
    event_id: str
    seq: float | None = None  # per-device counter; None → client_ts
    age_s: float = 0.0  # how long before sending the client made this update (its own clock)


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Add this module's columns to ``progress`` and the per-device sequence table (idempotent)."""
    if getattr(db, _SCHEMA_READY, False):
        return
    have = {c.name for c in db["progress"].columns}
    for name, decl in _MIGRATIONS.items():
        if name not in have:
            db.execute(f"ALTER TABLE progress ADD COLUMN {name} {decl}")
    db.execute(
        "CREATE TABLE IF NOT EXISTS progress_devices (user_id INTEGER NOT NULL, title_id TEXT NOT NULL, "
        "device_id TEXT NOT NULL, max_seq REAL NOT NULL, PRIMARY KEY (user_id, title_id, device_id))"
    )
    setattr(db, _SCHEMA_READY, True)


def credits_marker(db: sqlite_utils.Database, title_id: str) -> float | None:
    """The title's credits start (seconds) when the catalog records one."""
    if "credits_s" not in {c.name for c in db["titles"].columns}:
        return None
    row = db.execute("SELECT credits_s FROM titles WHERE id = ?", [title_id]).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def is_finished(position_s: float, duration_s: float, *, completed_fraction: float,
                credits_s: float | None = None) -> bool:
    if credits_s is not None and credits_s > 0 and position_s >= credits_s:
        return True
    return duration_s > 0 and position_s >= completed_fraction * duration_s


def wins(incoming: tuple[float, str], stored: tuple[float, str]) -> bool:
    """Rule 2: ``(effective_at, device_id)`` strictly greater replaces the stored row."""
    return incoming > stored


def record(db: sqlite_utils.Database, *, user_id: int, update: ProgressUpdate, now: float,
           completed_fraction: float = 0.95) -> tuple[bool, dict[str, Any]]:
    """Apply the conflict rule to ``update``; returns (applied, the stored row after the decision)."""
    ensure_schema(db)
    seq = update.seq if update.seq is not None else update.client_ts
    effective_at = now - min(max(update.age_s, 0.0), MAX_AGE_S)
    key = [user_id, update.title_id]
    db.execute("BEGIN IMMEDIATE")  # the decision and the write see the same row, whoever else writes the file
    try:
        applied, row = _decide(db, key=key, update=update, seq=seq, effective_at=effective_at, now=now,
                               completed_fraction=completed_fraction)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return applied, row


def _decide(db: sqlite_utils.Database, *, key: list[Any], update: ProgressUpdate, seq: float, effective_at: float,
            now: float, completed_fraction: float) -> tuple[bool, dict[str, Any]]:
    rows = list(db.query("SELECT * FROM progress WHERE user_id = ? AND title_id = ?", key))
    stored = rows[0] if rows else None
    seen = db.execute(
        "SELECT max_seq FROM progress_devices WHERE user_id = ? AND title_id = ? AND device_id = ?",
        [*key, update.device_id],
    ).fetchone()
    if stored is not None and stored["event_id"] == update.event_id:
        return False, stored
    if seen is not None and seq <= seen[0]:
        return False, stored  # type: ignore[return-value]  # a device's seq exists only with a row
    db.execute(
        "INSERT INTO progress_devices (user_id, title_id, device_id, max_seq) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (user_id, title_id, device_id) DO UPDATE SET max_seq = excluded.max_seq",
        [*key, update.device_id, seq],
    )
    if stored is not None and stored["device_id"] != update.device_id:
        stored_eff = stored["effective_at"] if stored["effective_at"] is not None else stored["received_at"]
        if not wins((effective_at, update.device_id), (stored_eff, stored["device_id"])):
            return False, stored
    credits = credits_marker(db, update.title_id)
    row = {
        "user_id": key[0], "title_id": update.title_id, "position_s": update.position_s,
        "duration_s": update.duration_s, "device_id": update.device_id, "client_ts": update.client_ts,
        "event_id": update.event_id, "received_at": now, "effective_at": effective_at, "seq": seq,
        "version": (stored["version"] if stored else 0) + 1,
        "completed": int(is_finished(update.position_s, update.duration_s,
                                     completed_fraction=completed_fraction, credits_s=credits)),
    }
    cols = list(row)
    db.execute(
        f"INSERT INTO progress ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
        f"ON CONFLICT (user_id, title_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in cols if c not in ("user_id", "title_id")),
        [row[c] for c in cols],
    )
    return True, row


def stored_progress(db: sqlite_utils.Database, *, user_id: int, title_id: str) -> dict[str, Any] | None:
    ensure_schema(db)
    rows = list(db.query("SELECT * FROM progress WHERE user_id = ? AND title_id = ?", [user_id, title_id]))
    return rows[0] if rows else None


def resume_position(db: sqlite_utils.Database, *, user_id: int, title_id: str, completed_fraction: float) -> float:
    row = stored_progress(db, user_id=user_id, title_id=title_id)
    if row is None or row["completed"] or is_finished(row["position_s"], row["duration_s"],
                                                      completed_fraction=completed_fraction):
        return 0.0
    return float(row["position_s"])


def continue_watching(db: sqlite_utils.Database, *, user_id: int, completed_fraction: float) -> list[dict[str, Any]]:
    """Titles started and not completed, most recently watched (server-side effective time) first."""
    ensure_schema(db)
    rows = db.query(
        "SELECT t.*, p.position_s, p.duration_s AS watched_duration_s, p.device_id, p.client_ts, p.received_at, "
        "p.version, COALESCE(p.effective_at, p.received_at) AS effective_at "
        "FROM progress p JOIN titles t ON t.id = p.title_id "
        "WHERE p.user_id = ? AND p.position_s > 0 AND p.completed = 0 AND p.position_s < ? * p.duration_s "
        "ORDER BY COALESCE(p.effective_at, p.received_at) DESC, p.device_id DESC",
        [user_id, completed_fraction],
    )
    return list(rows)

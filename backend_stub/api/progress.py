"""Watch progress and "continue watching".

Rule (deliberately simple; a later issue refines cross-device conflicts): one row per (user, title);
an update is applied unless it carries an *older* ``client_ts`` than the stored one (ties: the later
arrival wins), so a delayed upload from a device that was offline never rewinds a newer position.
The server stamps ``received_at`` with its own clock for auditing. A title counts as finished at
>= 95 % of its duration: it leaves "continue watching" and resumes from 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils


@dataclass(frozen=True, kw_only=True)
class ProgressUpdate:
    title_id: str
    position_s: float
    duration_s: float
    device_id: str
    client_ts: float
    event_id: str


def record(db: sqlite_utils.Database, *, user_id: int, update: ProgressUpdate, now: float) -> tuple[bool, dict[str, Any]]:
    """Store ``update`` unless a newer one is there; returns (applied, the stored row)."""
    rows = list(db.query("SELECT * FROM progress WHERE user_id = ? AND title_id = ?", [user_id, update.title_id]))
    if rows and (rows[0]["client_ts"] > update.client_ts or rows[0]["event_id"] == update.event_id):
        return False, rows[0]
    row = {
        "user_id": user_id, "title_id": update.title_id, "position_s": update.position_s,
        "duration_s": update.duration_s, "device_id": update.device_id, "client_ts": update.client_ts,
        "event_id": update.event_id, "received_at": now,
    }
    db["progress"].upsert(row, pk=("user_id", "title_id"))
    return True, row


def is_finished(position_s: float, duration_s: float, *, completed_fraction: float) -> bool:
    return duration_s > 0 and position_s >= completed_fraction * duration_s


def resume_position(db: sqlite_utils.Database, *, user_id: int, title_id: str, completed_fraction: float) -> float:
    rows = list(db.query("SELECT * FROM progress WHERE user_id = ? AND title_id = ?", [user_id, title_id]))
    if not rows or is_finished(rows[0]["position_s"], rows[0]["duration_s"], completed_fraction=completed_fraction):
        return 0.0
    return float(rows[0]["position_s"])


def continue_watching(db: sqlite_utils.Database, *, user_id: int, completed_fraction: float) -> list[dict[str, Any]]:
    """Titles started and not finished, most recently watched first, each with its title row."""
    rows = db.query(
        "SELECT t.*, p.position_s, p.duration_s AS watched_duration_s, p.device_id, p.client_ts, p.received_at "
        "FROM progress p JOIN titles t ON t.id = p.title_id "
        "WHERE p.user_id = ? AND p.position_s > 0 AND p.position_s < ? * p.duration_s "
        "ORDER BY p.client_ts DESC, p.received_at DESC",
        [user_id, completed_fraction],
    )
    return list(rows)

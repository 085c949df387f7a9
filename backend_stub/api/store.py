"""The API's own tables in the backend database (``backend_stub.db`` owns ``titles``/``content_keys``).

:func:`prepare` creates the tables once at start; each of the API's database threads then opens its
own :func:`connect`-ion (``backend_stub.api.database``), and WAL (set by :func:`backend_stub.db.open_db`)
lets them read while one of them, the encoder or the telemetry writer writes. Catalog search uses an
FTS5 index over the ``titles`` table kept in sync by triggers, so titles the encoder inserts later are
searchable at once.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from backend_stub.api.progress import ensure_schema as ensure_progress_schema
from backend_stub.db import open_db

FTS_COLUMNS = ["name", "description", "cast", "genres"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    plan TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens(family_id);
CREATE TABLE IF NOT EXISTS progress (
    user_id INTEGER NOT NULL,
    title_id TEXT NOT NULL,
    position_s REAL NOT NULL,
    duration_s REAL NOT NULL,
    device_id TEXT NOT NULL,
    client_ts REAL NOT NULL,
    event_id TEXT NOT NULL,
    received_at REAL NOT NULL,
    PRIMARY KEY (user_id, title_id)
);
CREATE TABLE IF NOT EXISTS telemetry (
    event_id TEXT PRIMARY KEY,
    user_id INTEGER,
    type TEXT NOT NULL,
    ts REAL,
    received_at REAL NOT NULL,
    payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS offline_licenses (
    license_id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    title_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    issued_at REAL NOT NULL,
    rental_expires_at REAL NOT NULL
);
"""


def connect(data_dir: Path) -> sqlite_utils.Database:
    """One connection to the backend database in autocommit mode (transactions are explicit)."""
    conn = sqlite3.connect(data_dir / "backend.sqlite", check_same_thread=False, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA busy_timeout=5000")
    return db


def prepare(data_dir: Path) -> None:
    """Create the shared tables, then ours and the FTS index (once, before the API serves)."""
    open_db(data_dir).conn.close()  # creates titles/content_keys and switches the file to WAL
    db = connect(data_dir)
    try:
        db.conn.executescript(SCHEMA)
        if not db["titles"].detect_fts():
            db["titles"].enable_fts(FTS_COLUMNS, create_triggers=True, tokenize="unicode61")
        ensure_progress_schema(db)  # here, not racing on the first progress calls of several threads
    finally:
        db.conn.close()

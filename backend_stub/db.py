"""The backend's SQLite database (sqlite-utils): one file under the data directory.

Tables shared between the encoder (which publishes titles) and the API (which serves them):

- ``titles``: one row per *published* title. A row exists only once its content tree is complete
  under ``content/<id>/`` (the encoder renames the staging folder into place, then inserts the row).
- ``content_keys``: CENC content keys, by KID (hex). Keys never leave the server except in a licence.

Other tables belong to the module that uses them (jobs: ``encode``; users, sessions, progress,
telemetry: ``api``) and are created by that module.
"""
from __future__ import annotations

from pathlib import Path

import sqlite_utils

TITLE_COLUMNS = {
    "id": str,  # url-safe slug, also the folder name under content/
    "name": str,
    "description": str,
    "genres": str,  # JSON list of strings
    "cast": str,  # JSON list of strings
    "year": int,
    "duration_s": float,
    "max_height": int,  # tallest video rung
    "protected": int,  # 1 when packaged with CENC
    "kid": str,  # hex default KID for protected titles, else null
    "audio_langs": str,  # JSON list of BCP-47 codes
    "subtitle_langs": str,  # JSON list of BCP-47 codes
    "published_at": float,  # epoch seconds
}


def open_db(data_dir: Path) -> sqlite_utils.Database:
    """Open (creating if needed) the backend database with WAL so the API reads while the encoder writes."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(data_dir / "backend.sqlite")
    db.execute("PRAGMA busy_timeout=5000")  # first: the WAL switch below must wait for other writers too
    if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        db.execute("PRAGMA journal_mode=WAL")  # persistent in the file; later opens skip the write lock
    if "titles" not in db.table_names():
        db["titles"].create(TITLE_COLUMNS, pk="id", not_null={"name"})
    if "content_keys" not in db.table_names():
        db["content_keys"].create({"kid": str, "title_id": str, "key": str}, pk="kid")
    return db


def content_root(data_dir: Path) -> Path:
    """Where packaged titles live: ``content/<title id>/{master.m3u8, manifest.mpd, ...}``."""
    return data_dir / "content"

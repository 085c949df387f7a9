"""Atomic publication of a packaged title (layout.md): staging folder → rename → database rows.

A title is visible to the API only through its ``titles`` row, inserted after the folder is in place,
so a crash at any point leaves either the old title or the new one, never a mix. Whatever a crash
leaves under ``content/.staging`` is deleted by :func:`clean_staging` when the worker starts.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from ..db import content_root
from .cenc import ContentKey
from .store import open_backend_db
from .models import TitleInfo, TitleMeta

STAGING = ".staging"


def staging_root(data_dir: Path) -> Path:
    return content_root(data_dir) / STAGING


def staging_dir(data_dir: Path, job_id: str) -> Path:
    """``content/.staging/<job>``: holds ``work/`` (intermediates) and ``title/`` (the future title folder)."""
    return staging_root(data_dir) / job_id


def clean_staging(data_dir: Path) -> list[str]:
    """Delete every leftover staging folder (call only when no encode is running); returns their names."""
    root = staging_root(data_dir)
    if not root.is_dir():
        return []
    removed = []
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
        removed.append(child.name)
    return removed


def publish(
    data_dir: Path,
    job_id: str,
    *,
    meta: TitleMeta,
    heights: tuple[int, ...],
    duration_s: float,
    audio_langs: tuple[str, ...],
    key: ContentKey | None,
    now: Callable[[], float],
) -> TitleInfo:
    """Move ``staging/<job>/title`` to ``content/<id>`` and insert the title (and key) rows."""
    stage = staging_dir(data_dir, job_id)
    target = content_root(data_dir) / meta.id
    if target.exists():  # re-ingest: swap the old folder out first, delete it after the swap
        old = stage / "previous"
        target.rename(old)
    (stage / "title").rename(target)
    sub_langs = tuple(lang for lang, _ in meta.subtitles)
    row = {
        "id": meta.id,
        "name": meta.name,
        "description": meta.description,
        "genres": json.dumps(list(meta.genres)),
        "cast": json.dumps(list(meta.cast)),
        "year": meta.year,
        "duration_s": round(duration_s, 3),
        "max_height": max(heights),
        "protected": int(key is not None),
        "kid": key.kid_hex if key else None,
        "audio_langs": json.dumps(list(audio_langs)),
        "subtitle_langs": json.dumps(list(sub_langs)),
        "published_at": now(),
    }
    cols = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    db = open_backend_db(data_dir)
    try:
        with db.conn:  # one transaction: the title row and its key appear together
            db.conn.execute("DELETE FROM content_keys WHERE title_id = ?", [meta.id])
            if key is not None:
                db.conn.execute(
                    "INSERT OR REPLACE INTO content_keys (kid, title_id, key) VALUES (?, ?, ?)",
                    [key.kid_hex, meta.id, key.key_hex],
                )
            db.conn.execute(f"INSERT OR REPLACE INTO titles ({cols}) VALUES ({marks})", list(row.values()))
    finally:
        db.close()
    shutil.rmtree(stage, ignore_errors=True)
    return TitleInfo(
        id=meta.id,
        folder=target,
        hls=target / "master.m3u8",
        dash=target / "manifest.mpd",
        protected=key is not None,
        kid_hex=key.kid_hex if key else None,
        key_hex=key.key_hex if key else None,
        heights=heights,
        audio_langs=audio_langs,
        subtitle_langs=sub_langs,
        duration_s=float(duration_s),
    )

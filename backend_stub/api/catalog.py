"""Catalog listing, full-text search (SQLite FTS5 over name, description, cast, genres) and details.

User input never reaches FTS5's query language: the search box is split into words and each word
becomes a quoted prefix term (``"word"*``), all required (AND). Results rank by bm25 when searching,
else by name. Rows are JSON-decoded into the public title shape.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from backend_stub.api.errors import NotFound

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, kw_only=True)
class Page:
    items: list[dict[str, Any]]
    page: int
    page_size: int
    total: int


def fts_query(text: str) -> str | None:
    """``'space ad'`` → ``'"space"* AND "ad"*'``; None when there is no word to search for."""
    words = _WORD.findall(text)[:16]
    return " AND ".join(f'"{w}"*' for w in words) or None


def _json_list(value: str | None) -> list[str]:
    if not value:
        return []
    try:
        out = json.loads(value)
    except ValueError:
        return [value]
    return [str(v) for v in out] if isinstance(out, list) else [str(out)]


def public_title(row: dict[str, Any], *, api_base: str) -> dict[str, Any]:
    """The shape clients see for one title (list items and details alike)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row.get("description") or "",
        "genres": _json_list(row.get("genres")),
        "cast": _json_list(row.get("cast")),
        "year": row.get("year"),
        "duration_s": row.get("duration_s"),
        "max_height": row.get("max_height"),
        "protected": bool(row.get("protected")),
        "live": bool(row.get("live")),
        "audio_langs": _json_list(row.get("audio_langs")),
        "subtitle_langs": _json_list(row.get("subtitle_langs")),
        "artwork_url": f"{api_base}/api/v1/titles/{row['id']}/artwork",
        "backdrop_url": f"{api_base}/api/v1/titles/{row['id']}/backdrop",
    }


def search(
    db: sqlite_utils.Database, *, q: str | None, genre: str | None, page: int, page_size: int, api_base: str
) -> Page:
    match = fts_query(q) if q else None
    if q and match is None:
        return Page(items=[], page=page, page_size=page_size, total=0)
    where: list[str] = []
    params: list[Any] = []
    if match:
        where.append("titles_fts MATCH ?")
        params.append(match)
    if genre:
        where.append("EXISTS (SELECT 1 FROM json_each(titles.genres) WHERE lower(json_each.value) = lower(?))")
        params.append(genre)
    source = "titles JOIN titles_fts ON titles_fts.rowid = titles.rowid" if match else "titles"
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    order = "bm25(titles_fts), titles.name" if match else "titles.name, titles.id"
    total = next(db.query(f"SELECT count(*) AS n FROM {source} {clause}", params))["n"]
    sql = f"SELECT titles.* FROM {source} {clause} ORDER BY {order} LIMIT ? OFFSET ?"
    args = params
    rows = db.query(sql, [*args, page_size, (page - 1) * page_size])
    return Page(
        items=[public_title(r, api_base=api_base) for r in rows], page=page, page_size=page_size, total=total
    )


def get_title_row(db: sqlite_utils.Database, title_id: str) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM titles WHERE id = ?", [title_id]))
    if not rows:
        raise NotFound(f"no title {title_id!r}", code="unknown_title")
    return rows[0]


def kids_of_title(db: sqlite_utils.Database, title_id: str) -> list[str]:
    """Hex KIDs of a title's content keys."""
    return [r["kid"] for r in db.query("SELECT kid FROM content_keys WHERE title_id = ? ORDER BY kid", [title_id])]

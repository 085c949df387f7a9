"""Telemetry ingest: batches of client events, stored once each (idempotent by ``event_id``).

Clients retry uploads after network errors, so the same event may arrive twice; ``INSERT OR IGNORE``
on the primary key makes a retry harmless and the answer says how many were new. Events must not
carry secrets: a field *named* like a password, token or key anywhere in an event rejects the whole
batch (422 ``sensitive_field``) before anything is stored or logged.
"""
from __future__ import annotations

import json
import re
from typing import Any

import sqlite_utils

from backend_stub.api.errors import SensitiveField

_SENSITIVE = re.compile(
    r"^(k|password|passwd|secret|authorization|cookie)$|token|(^|_)key$|(^|_)secret", re.IGNORECASE
)


def sensitive_field(value: Any) -> str | None:
    """The first field name (at any depth) that looks like it holds a secret, else None."""
    if isinstance(value, dict):
        for k, v in value.items():
            if _SENSITIVE.search(str(k)):
                return str(k)
            found = sensitive_field(v)
            if found:
                return found
    elif isinstance(value, list):
        for v in value:
            found = sensitive_field(v)
            if found:
                return found
    return None


def ingest(db: sqlite_utils.Database, events: list[dict[str, Any]], *, user_id: int | None, now: float) -> tuple[int, int]:
    """Store new events; returns (accepted, duplicates)."""
    for e in events:
        name = sensitive_field(e)
        if name:
            raise SensitiveField(f"telemetry must not carry secrets (field {name!r})")
    accepted = 0
    for e in events:
        ts = e.get("ts")
        cur = db.execute(
            "INSERT OR IGNORE INTO telemetry (event_id, user_id, type, ts, received_at, payload) VALUES (?, ?, ?, ?, ?, ?)",
            [str(e["event_id"]), user_id, str(e.get("type", "")), ts if isinstance(ts, (int, float)) else None,
             now, json.dumps(e, separators=(",", ":"))],
        )
        accepted += cur.rowcount
    return accepted, len(events) - accepted

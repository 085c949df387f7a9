"""Telemetry policy: which events are stored, and what of them (issue 7; hardened in issue 16).

Clients retry uploads after network errors, so the same event may arrive twice; ``INSERT OR IGNORE``
on the primary key (``telemetry_sink.py``) makes a retry harmless. Events must not carry secrets:

* a field *named* like a password, token or key anywhere in an event rejects the whole batch
  (422 ``sensitive_field``) before anything is stored or logged — the client never sends one;
* string *values* are scrubbed by pattern before storage: signed edge paths (``/c/<token>/``), signed
  query parameters, ``Bearer`` credentials, JWTs and long hex strings (content keys) are replaced;
* the event ``type`` must be one of :data:`EVENT_TYPES` (the schema in ``player/telemetry.py``), its ids
  plain words (kept verbatim) and its JSON at most :data:`MAX_EVENT_BYTES`; others are dropped and
  counted as ``rejected``, so an invented type never becomes a Prometheus label.
"""
from __future__ import annotations

import json
import re
from typing import Any

from backend_stub.api.errors import SensitiveField

EVENT_TYPES = frozenset({
    "session_start", "license", "first_frame", "segment", "switch", "stall_start", "stall_end", "failover",
    "abandon", "error", "pause", "seek", "end",
})
MAX_EVENT_BYTES = 4096
IDENTITY_FIELDS = frozenset({"event_id", "session_id", "device_id", "title_id", "type"})
_IDENTITY = re.compile(r"[\w.:-]{1,128}")  # ids are kept verbatim, so they may hold nothing else

_SENSITIVE = re.compile(
    r"^(k|password|passwd|secret|authorization|cookie)$|token|(^|_)key$|(^|_)secret", re.IGNORECASE
)
_SCRUBBERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/c/[^/\s?#'\"]+/"), "/c/<token>/"),  # signed edge path (backend_stub/edge/signing.py)
    (re.compile(r"([?&;](?:[\w.-]*(?:token|sig|signature|key|auth|policy|hdnts|hdnea|password)[\w.-]*)=)[^&#\s'\"]+",
                re.IGNORECASE), r"\1<redacted>"),
    (re.compile(r"\b(Bearer|Basic)\s+[\w.~+/=-]+", re.IGNORECASE), r"\1 <redacted>"),
    (re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"), "<jwt>"),
    (re.compile(r"\b[0-9a-fA-F]{32,}\b"), "<hex>"),
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


def scrub_text(text: str) -> str:
    """``text`` with every secret-looking part replaced by a placeholder."""
    for pattern, replacement in _SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def prepare(events: list[dict[str, Any]]) -> tuple[list[tuple[dict[str, Any], str]], int]:
    """Check and scrub a batch: ``([(event, payload JSON), ...], rejected)``. Raises SensitiveField."""
    for e in events:
        name = sensitive_field(e)
        if name:
            raise SensitiveField(f"telemetry must not carry secrets (field {name!r})")
    kept: list[tuple[dict[str, Any], str]] = []
    for e in events:
        if e.get("type") not in EVENT_TYPES or not all(
            v is None or (isinstance(v, str) and _IDENTITY.fullmatch(v)) for k, v in e.items() if k in IDENTITY_FIELDS
        ):
            continue
        clean = {k: (v if k in IDENTITY_FIELDS else _scrub(v)) for k, v in e.items()}
        payload = json.dumps(clean, separators=(",", ":"))
        if len(payload) <= MAX_EVENT_BYTES:
            kept.append((clean, payload))
    return kept, len(events) - len(kept)

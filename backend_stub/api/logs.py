"""Structured JSON logs: one line per request (method, path, status, ms), never a secret.

Secrets travel in headers (``Authorization``) and bodies (passwords, refresh tokens, licence keys),
which are never logged; the path is logged with any token-like query value replaced by ``<redacted>``
and an edge-style ``/c/<token>/`` segment collapsed (edge contract), so a log line is safe to share.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from backend_stub.edge.signing import redact_path as redact_edge_path

LOGGER_NAME = "reelbox.api"
_SENSITIVE_PARAM = re.compile(r"token|key|password|secret|sig|auth", re.IGNORECASE)


def redact(path: str, query: str) -> str:
    """``path?query`` with sensitive query values hidden."""
    path = redact_edge_path(path)
    if not query:
        return path
    pairs = [(k, "<redacted>" if _SENSITIVE_PARAM.search(k) else v) for k, v in parse_qsl(query, keep_blank_values=True)]
    return f"{path}?{urlencode(pairs, safe='<>')}"


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object; extra fields passed as ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__  # the type only: messages may quote input
        return json.dumps(out, default=str)


def install_json_logging(level: int = logging.INFO) -> logging.Handler:
    """Send ``reelbox.*`` and uvicorn logs to stderr as JSON lines (idempotent); returns the handler."""
    root = logging.getLogger("reelbox")
    for h in root.handlers:
        if isinstance(h.formatter, JsonFormatter):
            return h
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("reelbox", "uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.addHandler(handler)
        lg.setLevel(level)
        lg.propagate = False
    return handler


class RequestLogMiddleware:
    """ASGI middleware writing the per-request line (timing is measurement, not decision logic)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log = logging.getLogger(LOGGER_NAME)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            fields = {
                "method": scope.get("method"),
                "path": redact(scope.get("path", ""), scope.get("query_string", b"").decode("latin-1")),
                "status": status["code"],
                "ms": round((time.perf_counter() - start) * 1000, 2),
            }
            self.log.info("request", extra={"fields": fields})

"""Request body size limit, enforced before any JSON parsing (oversized body → 413 with a message).

A declared ``Content-Length`` above the limit is refused at once; a chunked body is counted as it is
read and the read fails with :class:`PayloadTooLarge`, which the exception handler renders as 413.
"""
from __future__ import annotations

import json
from typing import Any

from backend_stub.api.errors import PayloadTooLarge

DRAIN_LIMIT = 16 << 20  # past this a refused upload is cut off (connection closed)


class BodyLimitMiddleware:
    def __init__(self, app: Any, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._drain(receive)
            body = json.dumps({"detail": f"request body larger than {self.max_bytes} bytes", "code": "too_large"}).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                    (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})
            return
        seen = 0

        async def counting_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(f"request body larger than {self.max_bytes} bytes")
            return message

        await self.app(scope, counting_receive, send)

    async def _drain(self, receive: Any) -> None:
        """Read (and drop) a bounded amount of the refused body so the client sees the 413, not a reset."""
        drained = 0
        while drained <= DRAIN_LIMIT:
            message = await receive()
            if message["type"] != "http.request":
                return
            drained += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

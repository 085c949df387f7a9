"""A real loopback HTTP server (with Range support) and an httpx fetch for loader tests.

The server answers only from an in-memory {path: bytes} map, logs every request and can be told
that some path prefixes are "down" (503), standing in for a failed edge.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from player.errors import FetchError
from player.manifest import ByteRange


@dataclass
class Site:
    files: dict[str, bytes]
    down: set[str] = field(default_factory=set)
    log: list[tuple[str, str | None]] = field(default_factory=list)
    base: str = ""


@contextmanager
def serve(files: dict[str, bytes]) -> Iterator[Site]:
    site = Site(files=dict(files))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            path = self.path.split("?", 1)[0]
            rng = self.headers.get("Range")
            site.log.append((path, rng))
            if any(path.startswith(p) for p in site.down):
                self.send_error(503)
                return
            body = site.files.get(path)
            if body is None:
                self.send_error(404)
                return
            status = 200
            m = re.fullmatch(r"bytes=(\d+)-(\d+)", rng or "")
            if m:
                start, end = int(m.group(1)), min(int(m.group(2)), len(body) - 1)
                body, status = body[start:end + 1], 206
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def make_fetch(client: httpx.AsyncClient):
    """The loader's fetch contract over httpx: whole body, or exactly the requested byte range."""
    async def fetch(url: str, byte_range: ByteRange | None = None) -> bytes:
        headers = {"Range": byte_range.header()} if byte_range else {}
        try:
            response = await client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {exc}") from None
        if response.status_code >= 400:
            raise FetchError(f"{url}: HTTP {response.status_code}")
        return response.content
    return fetch

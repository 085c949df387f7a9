"""Real servers on 127.0.0.1 for the network tests: several edges over one content tree, and a tiny
recording ASGI app (uvicorn) for what the edge does not show (query strings, client ports, redirects)."""
from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from backend_stub.edge import EdgeServer
from backend_stub.edge.signing import signed_url

SECRET = b"net-test-secret"
TITLE = "title-net"
SEGMENTS = {f"v0/seg-{i}.m4s": 200_000 + 1000 * i for i in range(1, 6)}


@dataclass(frozen=True, kw_only=True)
class Title:
    """A packaged-title-like folder and its files' bytes."""

    root: Path
    files: dict[str, bytes]


def make_title(base: Path) -> Title:
    root = base / "content"
    folder = root / TITLE
    (folder / "v0").mkdir(parents=True)
    files = {"manifest.mpd": b'<?xml version="1.0"?><MPD type="static"/>\n' * 40, "v0/init.mp4": os.urandom(900)}
    files.update({name: os.urandom(size) for name, size in SEGMENTS.items()})
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return Title(root=root, files=files)


@dataclass
class Edges:
    servers: list[EdgeServer]
    title: Title
    expires: int = field(default_factory=lambda: int(time.time()) + 3600)

    def manifest_urls(self) -> list[str]:
        return [signed_url(s.url, SECRET, TITLE, "manifest.mpd", self.expires) for s in self.servers]

    def url(self, edge: int, relpath: str, *, expires: int | None = None) -> str:
        return signed_url(self.servers[edge].url, SECRET, TITLE, relpath, expires or self.expires)


@asynccontextmanager
async def edges(base: Path, count: int = 3) -> AsyncIterator[Edges]:
    """``count`` edges serving the same temp tree, started on the running loop and stopped after."""
    title = make_title(base)
    servers = [EdgeServer(title.root, SECRET) for _ in range(count)]
    for s in servers:
        await s.start()
    try:
        yield Edges(servers=servers, title=title)
    finally:
        for s in servers:
            await s.stop()


@dataclass
class Seen:
    path: str
    query: str
    client_port: int
    headers: dict[str, str]


Handler = Callable[[Seen], Awaitable[tuple[int, list[tuple[bytes, bytes]], bytes]]]


@dataclass
class RecordingApp:
    """ASGI app answering with ``handler`` and remembering every request (path, query, peer port)."""

    handler: Handler
    seen: list[Seen] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        req = Seen(path=scope["path"], query=scope["query_string"].decode(), client_port=scope["client"][1],
                   headers={k.decode(): v.decode() for k, v in scope["headers"]})
        self.seen.append(req)
        status, headers, body = await self.handler(req)
        await send({"type": "http.response.start", "status": status,
                    "headers": headers + [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


@asynccontextmanager
async def asgi_server(app: RecordingApp) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on an ephemeral port; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off",
                            timeout_keep_alive=30)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task

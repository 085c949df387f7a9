"""A hostile HTTP/1.1 server on 127.0.0.1 for bounds tests: endless, huge, trickling and corrupt answers.

Raw asyncio (not an ASGI app) so each answer is byte-exact: a Content-Length that is a lie, a body sent
one byte a second, a body that never ends. It runs its own loop in a daemon thread and stops with the
context manager. Routes map a path to an :class:`Answer`.
"""
from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

CHUNK = b"\0" * 65536


@dataclass(frozen=True)
class Answer:
    """``body`` sent at ``rate`` bytes/s (0: at once); ``announce`` a Content-Length (None: the body's,
    -1: none, close-delimited); ``endless`` repeats the body's last 64 KiB until the client leaves; ``encoding``: a
    ``Content-Encoding`` header, whatever the client asked for (a pre-compressed object on a static origin);
    ``redirect``: a 302 to this Location instead (no body)."""

    body: bytes = b""
    content_type: str = "application/octet-stream"
    rate: float = 0.0
    announce: int | None = None
    endless: bool = False
    encoding: str | None = None
    redirect: str | None = None


class HostileServer:
    def __init__(self, routes: dict[str, Answer]) -> None:
        self.routes = routes
        self.hits: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="hostile-server")
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HostileServer:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop)
        self._server = fut.result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode().split("?", 1)[0]
                self.hits.append(path)
                answer = self.routes.get(path)
                if answer is None:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                if not await self._answer(writer, answer):
                    break
        writer.close()

    async def _answer(self, writer: asyncio.StreamWriter, a: Answer) -> bool:
        """Send one answer; False when the connection must close after it."""
        if a.redirect is not None:
            writer.write(f"HTTP/1.1 302 Found\r\nLocation: {a.redirect}\r\nContent-Length: 0\r\n\r\n".encode())
            await writer.drain()
            return True
        length = len(a.body) if a.announce is None else a.announce
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {a.content_type}\r\n"
        head += f"Content-Encoding: {a.encoding}\r\n" if a.encoding else ""
        head += "Connection: close\r\n" if length < 0 else f"Content-Length: {length}\r\n"
        writer.write(head.encode() + b"\r\n")
        if a.rate > 0:
            for i in range(len(a.body)):
                writer.write(a.body[i:i + 1])
                await writer.drain()
                await asyncio.sleep(1 / a.rate)
        else:
            writer.write(a.body)
            await writer.drain()
        tail = a.body[-65536:] or CHUNK
        while a.endless or (length > len(a.body) and a.rate == 0):
            writer.write(tail)
            await writer.drain()
        return length >= 0 and not a.endless


@contextlib.contextmanager
def hostile(routes: dict[str, Answer]) -> Iterator[HostileServer]:
    server = HostileServer(routes).start()
    try:
        yield server
    finally:
        server.stop()

"""EdgeServer: one CDN edge, an asyncio HTTP/1.1 server for the packaged content tree (issue 2, "Edges").

Why a raw socket server and not Starlette: the edge's job is to push segment files as fast as nginx
(benchmarks/edge_bench.py) while injecting faults byte-exactly. Each connection is one coroutine with
a persistent epoll reader and direct ``send`` / ``os.sendfile`` calls (sockio.py), so the fast path is
zero-copy, costs ~50 µs of Python per request, and every byte written is counted. It runs on the
caller's event loop, so ``start``/``stop`` are coroutines; the backend gives each edge its own loop and
thread (``host.py``) so that the API's work never delays a segment.

"down" closes the listening socket — the kernel then refuses connections — and drops open
connections; clearing it listens again on the same port, as a rebooted CDN node would come back.
"""
from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend_stub.edge.access_log import AccessLog, EdgeRequest
from backend_stub.edge.errors import EdgeStateError
from backend_stub.edge.faults import FaultConfig
from backend_stub.edge.protocol import MAX_HEAD_BYTES, BadRequest, parse_head, response_head
from backend_stub.edge.responder import ActiveFaults, EndConnection, Responder
from backend_stub.edge.shaping import Clock, Link, RateSchedule
from backend_stub.edge.sockio import Broken, Connection, SocketReader, send_all

logger = logging.getLogger("backend_stub.edge")
ACCEPT_BATCH = 64
LISTEN_BACKLOG = 1024


class EdgeServer:
    """Serve ``content_root`` at ``/c/<token>/<title_id>/<path>`` with faults injectable at run time.

    ``session_alive(session_id)`` answers for tokens bound to a playback session (any thread may call
    it); without it such tokens are refused.

    ``clock`` (epoch seconds) decides token expiry, access-log times and where a trace is; waits are
    real ``asyncio.sleep`` calls, so a shifted clock is fine but a frozen one makes shaping crawl.
    """

    def __init__(self, content_root: Path, secret: bytes, *, host: str = "127.0.0.1", port: int = 0,
                 clock: Clock = time.time, log_capacity: int = 10_000,
                 session_alive: Callable[[str], bool] | None = None) -> None:
        self._root = Path(content_root)
        self._host = host
        self._port = port
        self._clock = clock
        self._active = ActiveFaults()
        self._log = AccessLog(log_capacity)
        self._listener: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._conns: dict[asyncio.Task[None], socket.socket] = {}
        self._running = False
        self._responder = Responder(
            root_real=os.path.realpath(self._root), secret=secret, clock=clock,
            url=lambda: self.url, faults=lambda: self._active, log=self._log, session_alive=session_alive,
        )

    # ----------------------------------------------------------------- public face
    @property
    def port(self) -> int:
        """The TCP port (known after :meth:`start`; stays the same across down/up)."""
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234`` (append ``/c/<token>/...``)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def faults(self) -> FaultConfig:
        """The faults in force."""
        return self._active.config

    @property
    def requests(self) -> list[EdgeRequest]:
        """Recent requests, oldest first (bounded; see ``log_capacity``)."""
        return self._log.records()

    @property
    def access_log(self) -> AccessLog:
        """The request log (``clear()`` it between test phases)."""
        return self._log

    @property
    def connections(self) -> int:
        """Open client connections."""
        return len(self._conns)

    async def start(self) -> None:
        """Bind and listen (on the running loop); binds even when configured down, to fix the port."""
        if self._running:
            raise EdgeStateError("edge already started")
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._running = True
        self._listen()
        if self._active.config.down:
            self._close_listener()
        logger.info("edge listening on %s", self.url)

    async def stop(self) -> None:
        """Stop listening and close every connection (stalled ones included)."""
        if not self._running:
            return
        self._running = False
        self._close_listener()
        tasks = list(self._conns)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def set_faults(self, config: FaultConfig) -> None:
        """Replace the faults in force (``FaultConfig()`` clears them). Safe to call from any thread."""
        loop = self._loop
        if loop is not None and self._running and threading.get_ident() != self._loop_thread:
            done = threading.Event()
            errors: list[BaseException] = []

            def apply() -> None:
                try:
                    self._apply(config)
                except BaseException as exc:  # re-raised in the calling thread
                    errors.append(exc)
                finally:
                    done.set()

            loop.call_soon_threadsafe(apply)
            if not done.wait(timeout=10):
                raise EdgeStateError("the edge's event loop is not running")
            if errors:
                raise errors[0]
            return
        self._apply(config)

    def summary(self) -> dict[str, Any]:
        """What ``GET /api/v1/admin/edges`` lists for this edge."""
        return {"url": self.url, "port": self._port, "up": self._listener is not None,
                "faults": self.faults.to_json(), "connections": self.connections, **self._log.summary()}

    # ----------------------------------------------------------------- faults
    def _apply(self, config: FaultConfig) -> None:
        link = None
        if config.shaped:
            schedule = RateSchedule(rate_kbps=config.rate_kbps, trace=config.trace, origin=self._clock())
            link = Link(schedule, self._clock)
        was_down = self._active.config.down
        self._active = ActiveFaults(config=config, rng=random.Random(config.seed), link=link)
        if not self._running:
            return
        if config.down and not was_down:
            self._close_listener()
            for task in list(self._conns):
                task.cancel()
        elif not config.down and self._listener is None:
            self._listen()
        logger.info("edge %s faults: %s", self.url, config.to_json() or "cleared")

    # ----------------------------------------------------------------- listening
    def _listen(self) -> None:
        assert self._loop is not None
        family, type_, proto, _, addr = socket.getaddrinfo(self._host, self._port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, type_, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            sock.listen(LISTEN_BACKLOG)
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise EdgeStateError(f"cannot listen on {self._host}:{self._port}: {exc.strerror}") from None
        self._port = sock.getsockname()[1]
        self._listener = sock
        self._loop.add_reader(sock.fileno(), self._accept_ready)

    def _close_listener(self) -> None:
        sock, self._listener = self._listener, None
        if sock is not None and self._loop is not None:
            self._loop.remove_reader(sock.fileno())
            sock.close()

    def _accept_ready(self) -> None:
        assert self._loop is not None
        for _ in range(ACCEPT_BATCH):
            if self._listener is None:
                return
            try:
                conn, _addr = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. EMFILE: keep serving the connections we have
                logger.warning("edge %s accept failed: %s", self.url, exc.strerror)
                return
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            task = self._loop.create_task(self._serve(conn))
            self._conns[task] = conn
            task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        sock = self._conns.pop(task, None)
        if sock is not None:
            sock.close()

    # ----------------------------------------------------------------- connections
    async def _serve(self, sock: socket.socket) -> None:
        """Serve requests on one keep-alive connection until either side closes it."""
        loop = asyncio.get_running_loop()
        conn = Connection(loop, sock)
        reader = conn.reader
        buf = reader.buffer
        try:
            while True:
                while (end := buf.find(b"\r\n\r\n")) < 0:
                    if len(buf) > MAX_HEAD_BYTES:
                        await _refuse(loop, sock, 431)
                        return
                    if buf.startswith(b"\r\n"):  # RFC 9112 §2.2: ignore empty lines before a request
                        reader.consume(2)
                        continue
                    if not await reader.fill():
                        return
                head = reader.consume(end + 4)[:-4]
                try:
                    request = parse_head(head)
                except BadRequest:
                    await _refuse(loop, sock, 400)
                    return
                if not await _skip_body(reader, request.headers.get("content-length")):
                    await _refuse(loop, sock, 400)
                    return
                if not await self._responder.respond(conn, request):
                    return
        except (EndConnection, Broken, OSError):
            return
        finally:
            conn.close()


async def _skip_body(reader: SocketReader, length: str | None) -> bool:
    """Discard a request body (GET/HEAD carry none, but framing must stay right); False if malformed."""
    if length is None:
        return True
    if not length.isdigit() or int(length) > 1 << 20:
        return False
    need = int(length)
    while len(reader.buffer) < need:
        if not await reader.fill():
            return False
    reader.consume(need)
    return True


async def _refuse(loop: asyncio.AbstractEventLoop, sock: socket.socket, status: int) -> None:
    """Answer a request we cannot parse, then the caller closes the connection."""
    body = b"bad request\n"
    head = response_head(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))], keep_alive=False)
    try:
        await send_all(loop, sock, head + body)
    except Broken:
        pass

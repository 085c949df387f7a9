"""Answering one parsed request on an edge connection: faults first, then token, file, range, body.

Order matters and follows what a real faulty CDN looks like to a player: added latency delays the
first byte of *every* answer; an injected error replaces the answer (before auth, as an overloaded
node would); stall/drop/pacing act on the body only, after honest headers, so the client sees a
Content-Length it never receives in full. Requests are recorded in the access log with the exact
body bytes written.
"""
from __future__ import annotations

import asyncio
import os
import random
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

from backend_stub.edge.access_log import AccessLog, EdgeRequest
from backend_stub.edge.content import (
    ContentPath, cache_control, content_type, make_etag, open_inside, parse_content_path, rendition_height,
    split_target,
)
from backend_stub.edge.faults import FaultConfig
from backend_stub.edge.protocol import (
    ByteRange, HttpDate, Request, Unsatisfiable, etag_matches, parse_range, response_head,
)
from backend_stub.edge.shaping import Clock, Link
from backend_stub.edge.signing import TokenChecker, TokenStatus, redact_path
from backend_stub.edge.sockio import MSG_MORE, Broken, Connection
from backend_stub.live import edge as live_edge

INLINE_BODY_MAX = 64 * 1024  # bodies this small go out with the head in one write


@dataclass(frozen=True, kw_only=True)
class ActiveFaults:
    """The faults in force plus their run-time state (seeded RNG, shared link), swapped as one value."""

    config: FaultConfig = field(default_factory=FaultConfig)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    link: Link | None = None


class EndConnection(Exception):
    """The response left the connection unusable (drop, stall, broken write): close it."""


@dataclass
class _Exchange:
    """Mutable bookkeeping for one request while it is answered."""

    request: Request
    path: str
    started: float
    status: int = 0
    bytes_sent: int = 0
    faults: list[str] = field(default_factory=list)
    recorded: bool = False


class Responder:
    """Answers requests for one edge; shared by all its connections."""

    def __init__(self, *, root_real: str, secret: bytes, clock: Clock, url: Callable[[], str],
                 faults: Callable[[], ActiveFaults], log: AccessLog,
                 session_alive: Callable[[str], bool] | None = None) -> None:
        self._root = root_real
        self._session_alive = session_alive
        self._tokens = TokenChecker(secret)
        self._clock = clock
        self._url = url
        self._faults = faults
        self._log = log
        self._dates = HttpDate()
        self._modified = HttpDate()

    async def respond(self, conn: Connection, request: Request) -> bool:
        """Answer ``request``; return whether the connection may serve another. Raises EndConnection."""
        path = split_target(request.target)
        content = parse_content_path(path)
        ex = _Exchange(request=request, path=content.redacted if content else redact_path(path), started=self._clock())
        keep = request.keep_alive
        try:
            keep = await self._answer(conn, ex, content, keep)
        except Broken as exc:
            ex.bytes_sent += exc.sent
            keep = False
            raise EndConnection() from None
        finally:
            self._record(ex)
        return keep

    async def _answer(self, conn: Connection, ex: _Exchange, content: ContentPath | None, keep: bool) -> bool:
        active = self._faults()
        cfg = active.config
        delay = cfg.latency_ms / 1000.0
        if cfg.trace and active.link is not None:
            delay += active.link.schedule.latency_at(ex.started)
        if delay > 0:
            ex.faults.append("latency")
            await asyncio.sleep(delay)
        if cfg.error_fraction and active.rng.random() < cfg.error_fraction and cfg.error_status:
            ex.faults.append("error")
            return await self._simple(conn, ex, cfg.error_status, "injected fault\n", keep)
        method = ex.request.method
        if method not in ("GET", "HEAD"):
            return await self._simple(conn, ex, 405, "method not allowed\n", keep, [("Allow", "GET, HEAD")])
        if content is None:
            return await self._simple(conn, ex, 404, "not found\n", keep)
        verdict = self._verdict(content, ex.started)
        if verdict is not TokenStatus.VALID:
            return await self._simple(conn, ex, 403, f"forbidden: {verdict.value}\n", keep)
        if (channel := live_edge.lookup(self._root, content.title_id)) is not None:  # issue 15
            special = await live_edge.prepare(channel, content.relpath, ex.request.target.partition("?")[2], ex.started)
            if isinstance(special, live_edge.LiveText):
                return await self._simple(conn, ex, special.status, special.text, keep)
            if isinstance(special, live_edge.GrowingFile):
                return await self._send_growing(conn, ex, special, content.relpath, keep)
        fd = open_inside(self._root, content)
        if fd is None:
            return await self._simple(conn, ex, 404, "not found\n", keep)
        try:
            return await self._serve_file(conn, ex, fd, content.relpath, keep, active)
        finally:
            os.close(fd)

    def _verdict(self, content: ContentPath, now: float) -> TokenStatus:
        """The token's verdict for this file: genuine, unexpired, within the plan, session still live."""
        grant = self._tokens.grant(content.token, content.title_id)
        if isinstance(grant, TokenStatus):
            return grant
        if now > grant.expires:
            return TokenStatus.EXPIRED
        height = rendition_height(content.relpath)
        if grant.max_height is not None and height is not None and height > grant.max_height:
            return TokenStatus.ABOVE_PLAN
        if grant.session is not None and (self._session_alive is None or not self._session_alive(grant.session)):
            return TokenStatus.SESSION_ENDED
        return TokenStatus.VALID

    async def _serve_file(self, conn: Connection, ex: _Exchange, fd: int, relpath: str, keep: bool,
                          active: ActiveFaults) -> bool:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return await self._simple(conn, ex, 404, "not found\n", keep)
        size = st.st_size
        etag = make_etag(size, st.st_mtime_ns, st.st_ino)
        headers = [
            ("Date", self._dates.format(self._clock())),
            ("Last-Modified", self._modified.format(st.st_mtime)),
            ("ETag", etag),
            ("Cache-Control", cache_control(relpath)),
            ("Accept-Ranges", "bytes"),
            ("Access-Control-Allow-Origin", "*"),
        ]
        hdrs = ex.request.headers
        inm = hdrs.get("if-none-match")
        if inm is not None and etag_matches(inm, etag):
            ex.status = 304
            await _send_head(conn, response_head(304, headers, keep_alive=keep))
            return keep
        range_header = hdrs.get("range")
        if_range = hdrs.get("if-range")
        wanted = parse_range(range_header, size) if if_range is None or if_range == etag else None
        if isinstance(wanted, Unsatisfiable):
            extra = [("Content-Range", f"bytes */{size}")]
            return await self._simple(conn, ex, 416, "range not satisfiable\n", keep, extra)
        first, count, status = 0, size, 200
        if isinstance(wanted, ByteRange):
            first, count, status = wanted.first, wanted.length, 206
            headers.append(("Content-Range", f"bytes {wanted.first}-{wanted.last}/{size}"))
        headers.append(("Content-Type", content_type(relpath)))
        cfg = active.config
        if cfg.corrupt and cfg.corrupt_match in relpath and ex.request.method == "GET":
            return await self._serve_corrupt(conn, ex, os.pread(fd, count, first), status, headers, keep, active)
        headers.append(("Content-Length", str(count)))
        ex.status = status
        head = response_head(status, headers, keep_alive=keep)
        if ex.request.method == "HEAD":
            await _send_head(conn, head)
            return keep
        cut = min(n for n in (cfg.stall_after_bytes, cfg.drop_after_bytes, count) if n is not None)
        if cut == count and not cfg.shaped:
            await self._send_fast(conn, ex, head, fd, first, count)
            return keep
        await _send_head(conn, head)
        await self._send_paced(conn, ex, fd, first, cut)
        if cut == count:
            return keep
        if cfg.stall_after_bytes is not None and cut == cfg.stall_after_bytes:
            ex.faults.append("stall")
            self._record(ex)  # visible while the connection hangs
            await conn.reader.wait_closed()
        else:
            ex.faults.append("drop")
            try:
                conn.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        raise EndConnection()

    async def _serve_corrupt(self, conn: Connection, ex: _Exchange, body: bytes, status: int,
                             headers: list[tuple[str, str]], keep: bool, active: ActiveFaults) -> bool:
        """A damaged body with honest framing: random bytes of the same length, or only the first half."""
        if active.config.corrupt == "half":
            body = body[: len(body) // 2]
        else:
            body = active.rng.randbytes(len(body))
        ex.faults.append(f"corrupt-{active.config.corrupt}")
        ex.status = status
        head = response_head(status, [*headers, ("Content-Length", str(len(body)))], keep_alive=keep)
        await _send_whole(conn, ex, head, body)
        return keep

    async def _send_fast(self, conn: Connection, ex: _Exchange, head: bytes, fd: int, first: int, count: int) -> None:
        """Unfaulted body: inline for small files, head + zero-copy sendfile otherwise."""
        if count <= INLINE_BODY_MAX:
            body = os.pread(fd, count, first)
            await _send_whole(conn, ex, head, body)
            return
        await _send_head(conn, head, MSG_MORE)
        ex.bytes_sent = await conn.send_file(fd, first, count)
        if ex.bytes_sent < count:  # the file shrank under us: the framing is now wrong
            raise EndConnection()

    async def _send_paced(self, conn: Connection, ex: _Exchange, fd: int, first: int, count: int) -> None:
        """Send ``count`` body bytes, pacing each chunk on the edge's shared link while one is set."""
        sent = 0
        current: Link | None = None
        try:
            while sent < count:
                link = self._faults().link
                if link is not current:  # faults changed mid-body: move to the new link
                    if current is not None:
                        current.end()
                    if link is not None:
                        link.begin()
                    current = link
                if link is None:
                    chunk = count - sent
                else:
                    if "rate" not in ex.faults:
                        ex.faults.append("rate")
                    chunk = min(link.chunk_size(), count - sent)
                    wait = link.reserve(chunk)
                    if wait > 0:
                        await asyncio.sleep(wait)
                try:
                    n = await conn.send_file(fd, first + sent, chunk)
                except Broken as exc:
                    ex.bytes_sent = sent + exc.sent
                    raise Broken(0) from None
                sent += n
                ex.bytes_sent = sent
                if n < chunk:
                    raise EndConnection()
        finally:
            if current is not None:
                current.end()

    async def _send_growing(self, conn: Connection, ex: _Exchange, growing: live_edge.GrowingFile, relpath: str,
                            keep: bool) -> bool:
        """A live segment still being written, with chunked transfer encoding (LL-DASH)."""
        try:
            headers = [("Date", self._dates.format(self._clock())), ("Content-Type", content_type(relpath)),
                       ("Cache-Control", "no-store"), ("Access-Control-Allow-Origin", "*"),
                       ("Transfer-Encoding", "chunked")]
            ex.status = 200
            await _send_head(conn, response_head(200, headers, keep_alive=keep))
            if ex.request.method != "HEAD":
                ex.bytes_sent = await live_edge.send_growing(conn.send_all, growing, limit_s=30.0)
            return keep
        finally:
            os.close(growing.fd)

    async def _simple(self, conn: Connection, ex: _Exchange, status: int, text: str, keep: bool,
                      extra: list[tuple[str, str]] | None = None) -> bool:
        """A short text answer (errors, injected faults)."""
        encoded = text.encode()
        body = b"" if ex.request.method == "HEAD" else encoded
        headers = [("Date", self._dates.format(self._clock())), *(extra or []),
                   ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(encoded))),
                   ("Cache-Control", "no-store")]
        ex.status = status
        head = response_head(status, headers, keep_alive=keep)
        await _send_whole(conn, ex, head, body)
        return keep

    def _record(self, ex: _Exchange) -> None:
        if ex.recorded:
            return
        ex.recorded = True
        self._log.add(EdgeRequest(
            edge=self._url(), method=ex.request.method, path=ex.path, status=ex.status,
            range=ex.request.headers.get("range"), bytes_sent=ex.bytes_sent, started=ex.started,
            duration_s=max(0.0, self._clock() - ex.started), faults=tuple(ex.faults),
        ))


async def _send_head(conn: Connection, head: bytes, flags: int = 0) -> None:
    """Write a response head; a failure counts no body bytes."""
    try:
        await conn.send_all(head, flags)
    except Broken:
        raise Broken(0) from None


async def _send_whole(conn: Connection, ex: _Exchange, head: bytes, body: bytes) -> None:
    """Head and body in one write; a failure counts only the body bytes that went out."""
    try:
        await conn.send_all(head + body)
    except Broken as exc:
        raise Broken(max(0, exc.sent - len(head))) from None
    ex.bytes_sent = len(body)

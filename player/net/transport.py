"""The one-method transport (httpx style) and its HTTP implementation with stall detection.

``Transport.fetch(request) -> FetchResult`` is the only I/O the pool does, so tests and the offline
store can stand in for the network. ``HttpTransport`` runs on one shared ``httpx.AsyncClient``
(HTTP/1.1 keep-alive pooling; HTTP/2 where TLS ALPN offers it) and streams every body so that:

* a stall is caught while it happens: each chunk must arrive within ``StallPolicy.read_s``, and after
  ``grace_s`` the running rate must stay above the floor — the wait for the next chunk is cut to the
  moment the rate would cross the floor, so a trickle or a silent socket aborts in bounded time;
* short bodies are caught: fewer bytes than Content-Length or Content-Range → ``TruncatedSegment``;
* long ones too: a body announced or received past ``max_bytes`` is cut → ``BodyTooLarge``, and a
  request past its ``deadline_s`` (head and body together) → ``DeadlineExceeded``;
* the request's ``on_progress`` hears of the response head and of every chunk as it arrives, so a
  caller (the scheduler's ABR abandonment) can judge a transfer while it runs and cancel it — a
  cancelled fetch closes its connection (httpx does not return a half-read one to the pool);
* redirects are followed by hand (at most ``max_redirects``), each hop re-checked by ``uri_policy``.

Signed URLs go out untouched; only their redacted form appears in errors.
"""
from __future__ import annotations

import asyncio
import contextlib
import importlib
import re
import ssl
from typing import AsyncIterator, Protocol

import httpx

from player.net.clock import Clock, MonotonicClock
from player.net.content_coding import decode_body
from player.net.errors import (
    BodyTooLarge,
    ConnectFailed,
    DeadlineExceeded,
    FetchError,
    HttpStatusError,
    RedirectError,
    StallDetected,
    TruncatedSegment,
    UntrustedCertificate,
)
from player.net.redact import redact

# httpx imports its connection machinery (httpcore, h11, h2, anyio's asyncio backend: ~100 modules) only
# on the first client and the first request — on the event loop, after a session opened: the ~230 ms
# before a plain URL's first manifest request (issue 14). Imported with this module instead; a command
# that left HTTP/2 out (``ui.lean_process``: ``h2`` is None in sys.modules) goes without it.
for _module in ("httpcore", "h11", "h2.connection", "anyio._backends._asyncio", "sniffio"):
    with contextlib.suppress(ImportError):
        importlib.import_module(_module)
from player.net.request import HEADERS_OF_INTEREST, ByteRange, FetchResult, SegmentRequest
from player.net.tls import tls_context
from player.net.uri_policy import check_redirect, check_uri

USER_AGENT = "Reelbox/0.1"
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.I)


def _certificate_refusal(exc: BaseException) -> str | None:
    """OpenSSL's reason ("self-signed certificate", "certificate has expired", "Hostname mismatch ...") when a
    connection failed because the server's certificate did not verify; None for any other connect failure."""
    seen: BaseException | None = exc
    for _ in range(8):  # httpx → httpcore → ssl; a bounded walk, whatever the chain holds
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError):
            return str(seen.verify_message or seen.reason or "certificate verify failed")
        wrapped = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = seen.__cause__ or seen.__context__ or wrapped
    return None


class Transport(Protocol):
    """Anything that can perform one GET: the HTTP client, a test handler, a local store."""

    async def fetch(self, request: SegmentRequest) -> FetchResult: ...


def floor_bps(request: SegmentRequest, content_length: int | None) -> float:
    """The throughput floor for this transfer (see ``StallPolicy``); 0 means none."""
    policy = request.stall
    media_bps = request.bitrate_bps
    if media_bps is None and request.duration_s and content_length:
        media_bps = content_length * 8 / request.duration_s
    relative = policy.floor_ratio * media_bps if media_bps else 0.0
    return max(relative, policy.min_floor_bps)


class HttpTransport:
    """``Transport`` over one pooled ``httpx.AsyncClient``; close it with ``aclose()``."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        max_redirects: int = 5,
        http2: bool = True,
        max_connections: int = 16,
        keepalive_expiry_s: float = 30.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._clock = clock or MonotonicClock()
        self._max_redirects = max_redirects
        self._client = httpx.AsyncClient(
            http2=http2,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                                keepalive_expiry=keepalive_expiry_s),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
            trust_env=False,
            verify=tls or tls_context(),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> HttpTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def fetch(self, request: SegmentRequest) -> FetchResult:
        """GET ``request``; a ``FetchError`` raised carries ``elapsed_s`` (time spent before failing)."""
        started = self._clock.now()
        try:
            if request.deadline_s is None:
                return await self._fetch(request, started)
            try:
                async with asyncio.timeout(request.deadline_s):
                    return await self._fetch(request, started)
            except TimeoutError:
                raise DeadlineExceeded(
                    f"{redact(request.url)} not complete within {request.deadline_s:g} s") from None
        except FetchError as exc:
            exc.elapsed_s = self._clock.now() - started  # type: ignore[attr-defined]
            raise

    async def _fetch(self, request: SegmentRequest, started: float) -> FetchResult:
        url = check_uri(request.url, origin=request.origin)
        headers = dict(request.headers)
        if request.byte_range is not None:
            headers["Range"] = request.byte_range.header()
        stall = request.stall
        timeout = httpx.Timeout(connect=stall.connect_s, read=stall.read_s, write=stall.read_s, pool=stall.connect_s)
        for _hop in range(self._max_redirects + 1):
            response = await self._send(url, headers, timeout, stall.read_s)
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    if not location:
                        raise RedirectError(f"{response.status_code} from {redact(url)} without a Location")
                    url = check_redirect(url, location, origin=request.origin)
                    continue
                ttfb = self._clock.now() - started
                if not 200 <= response.status_code < 300:
                    raise HttpStatusError(f"HTTP {response.status_code} from {redact(url)}", status=response.status_code)
                body = await self._read_body(response, request, url)
                return FetchResult(
                    url=url,
                    status=response.status_code,
                    body=body,
                    ttfb_s=ttfb,
                    duration_s=self._clock.now() - started,
                    headers={k: response.headers[k] for k in HEADERS_OF_INTEREST if k in response.headers},
                    http_version=response.http_version,
                )
            finally:
                await response.aclose()
        raise RedirectError(f"more than {self._max_redirects} redirects from {redact(request.url)}")

    async def _send(self, url: str, headers: dict[str, str], timeout: httpx.Timeout, read_s: float) -> httpx.Response:
        request = self._client.build_request("GET", url, headers=headers, timeout=timeout)
        try:
            return await self._client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if (why := _certificate_refusal(exc)) is not None:
                raise UntrustedCertificate(f"the TLS certificate of {redact(url)} is not trusted: {why}") from None
            raise ConnectFailed(f"cannot connect to {redact(url)}: {type(exc).__name__}") from None
        except httpx.ReadTimeout:
            raise StallDetected(f"no response from {redact(url)} within {read_s:g} s") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise ConnectFailed(f"connection to {redact(url)} closed before a response: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"request to {redact(url)} failed: {type(exc).__name__}") from None

    async def _read_body(self, response: httpx.Response, request: SegmentRequest, url: str) -> bytes:
        stall = request.stall
        length_header = response.headers.get("content-length")
        content_length = int(length_header) if length_header and length_header.isdigit() else None
        floor = floor_bps(request, content_length)
        limit = request.max_bytes
        if limit is not None and content_length is not None and content_length > limit:
            raise BodyTooLarge(f"{redact(url)} announces {content_length} bytes, more than the {limit} allowed")
        progress = request.on_progress
        chunks: list[bytes] = []
        received = 0
        if progress is not None:
            progress(0, content_length)
        body_start = self._clock.now()
        iterator: AsyncIterator[bytes] = response.aiter_raw().__aiter__()
        while True:
            now = self._clock.now()
            wait = stall.read_s
            if floor > 0:
                # The instant at which received*8/(t - body_start) would drop under the floor.
                deadline = body_start + max(stall.grace_s, received * 8 / floor)
                wait = min(wait, max(deadline - now, 0.0))
            try:
                async with asyncio.timeout(max(wait, 0.001)):
                    chunk = await iterator.__anext__()
            except StopAsyncIteration:
                break
            except (asyncio.TimeoutError, httpx.ReadTimeout):
                elapsed = self._clock.now() - body_start
                rate = received * 8 / elapsed if elapsed > 0 else 0.0
                why = (f"below the floor of {floor / 1000:.0f} kbit/s ({rate / 1000:.0f} kbit/s)"
                       if wait < stall.read_s else f"no data for {stall.read_s:g} s")
                raise StallDetected(f"stalled after {received} bytes from {redact(url)}: {why}", received=received) from None
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                raise TruncatedSegment(
                    f"connection closed after {received} of {content_length or '?'} bytes from {redact(url)}: {type(exc).__name__}"
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(f"reading {redact(url)} failed: {type(exc).__name__}") from None
            if not chunk:
                continue
            chunks.append(chunk)
            received += len(chunk)
            if limit is not None and received > limit:
                raise BodyTooLarge(f"{redact(url)} sent more than the {limit} bytes allowed", received=received)
            if progress is not None:
                progress(received, content_length)
            if request.on_data is not None:
                request.on_data(chunk)
        body = b"".join(chunks)
        if content_length is not None and received < content_length:
            raise TruncatedSegment(f"{received} of {content_length} bytes from {redact(url)}")
        if response.status_code != 206:  # a 206's bytes are a range of the coded body: nothing to inflate alone
            body = decode_body(body, response.headers.get("content-encoding"), limit=limit, source=redact(url))
        return _apply_range(response, request.byte_range, body, url)


def _apply_range(response: httpx.Response, wanted: ByteRange | None, body: bytes, url: str) -> bytes:
    """Check a 206 against what we asked for; cut the range out of a 200 from a server ignoring Range."""
    if wanted is None:
        return body
    if response.status_code == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if not match:
            raise TruncatedSegment(f"206 without a usable Content-Range from {redact(url)}")
        first, last = int(match.group(1)), int(match.group(2))
        if first != wanted.start or last > wanted.end:
            raise TruncatedSegment(f"asked for {wanted.header()}, got bytes {first}-{last} from {redact(url)}")
        if len(body) != last - first + 1:
            raise TruncatedSegment(f"{len(body)} of {last - first + 1} ranged bytes from {redact(url)}")
        if last < wanted.end and (match.group(3) == "*" or int(match.group(3)) > last + 1):
            raise TruncatedSegment(f"range ends at {last}, before {wanted.end}, from {redact(url)}")
        return body
    # A 200 to a ranged request: the server ignored Range and sent the whole resource (RFC 9110 §14.2).
    # Like a 206 from a shorter file, a range running past the end yields what exists.
    piece = body[wanted.start: wanted.end + 1]
    if not piece:
        raise TruncatedSegment(f"range {wanted.header()} lies past the end of {redact(url)} ({len(body)} bytes)")
    return piece

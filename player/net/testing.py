"""Test helpers for code built on ``player.net`` (httpx's ``MockTransport``, Trio's ``testing`` module).

* ``HandlerTransport(handler)``: a ``Transport`` whose answers come from a plain function of the
  ``SegmentRequest`` — for scheduler and downloader tests that need a pool without sockets.
* ``files_handler(files)``: a handler serving a ``{url: bytes}`` dict with byte ranges and 404s.
* ``check_transport(transport, files, missing_url)``: the conformance checks every ``Transport``
  must pass (whole bodies, ranges, a missing object, result fields) — run it on any new transport.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from player.net.errors import FetchError, HttpStatusError
from player.net.request import ByteRange, FetchResult, SegmentRequest

Handler = Callable[[SegmentRequest], FetchResult]


class HandlerTransport:
    """A ``Transport`` answering with ``handler(request)`` (which may raise ``FetchError``s)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[SegmentRequest] = []

    async def fetch(self, request: SegmentRequest) -> FetchResult:
        self.seen.append(request)
        return self.handler(request)


def files_handler(files: Mapping[str, bytes], *, ignore_query: bool = True) -> Handler:
    """Serve ``files`` by URL (query ignored by default, so CMCD does not matter); 404 otherwise."""
    def handler(request: SegmentRequest) -> FetchResult:
        key = request.url.split("?", 1)[0] if ignore_query else request.url
        if key not in files:
            raise HttpStatusError(f"HTTP 404 for {key}", status=404)
        body = files[key]
        status = 200
        if request.byte_range is not None:
            body, status = body[request.byte_range.start: request.byte_range.end + 1], 206
        return FetchResult(url=request.url, status=status, body=body, ttfb_s=0.0, duration_s=0.001)
    return handler


async def check_transport(transport: object, files: Mapping[str, bytes], missing_url: str) -> None:
    """Raise ``AssertionError`` unless ``transport`` behaves as the pool expects of a ``Transport``."""
    fetch = transport.fetch  # type: ignore[attr-defined]  # any object: the check is what tells
    for url, data in files.items():
        whole: FetchResult = await fetch(SegmentRequest(url=url))
        assert whole.body == data, f"whole body of {url} differs"
        assert whole.bytes == len(data) and 200 <= whole.status < 300
        assert 0 <= whole.ttfb_s <= whole.duration_s, "ttfb must not exceed the total duration"
        if len(data) >= 10:
            part: FetchResult = await fetch(SegmentRequest(url=url, byte_range=ByteRange(3, len(data) - 5)))
            assert part.body == data[3: len(data) - 2], f"range of {url} differs"
    try:
        await fetch(SegmentRequest(url=missing_url))
    except HttpStatusError as exc:
        assert exc.status == 404 and exc.permanent
    except FetchError:
        raise AssertionError("a missing object must raise HttpStatusError(404)") from None
    else:
        raise AssertionError("a missing object must raise, not return")

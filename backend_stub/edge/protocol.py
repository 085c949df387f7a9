"""HTTP/1.1 message pieces the edge needs (RFC 9112 framing, RFC 9110 semantics), with no I/O.

Only what a segment server answers: GET and HEAD, one byte range (RFC 9110 §14), strong ETags with
If-None-Match (§13.1.2) and If-Range (§13.1.5), and keep-alive (RFC 9112 §9.3). Multi-range requests
are answered with the whole representation, which §14.2 permits.
"""
from __future__ import annotations

from dataclasses import dataclass
from email.utils import formatdate
from typing import NamedTuple

MAX_HEAD_BYTES = 16 * 1024

REASONS = {
    200: "OK", 206: "Partial Content", 304: "Not Modified", 400: "Bad Request", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 416: "Range Not Satisfiable", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


class BadRequest(Exception):
    """The request head cannot be parsed; the edge answers 400 and closes the connection."""


@dataclass(frozen=True, kw_only=True)
class Request:
    """A parsed request head."""

    method: str
    target: str
    version: str
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "

    @property
    def keep_alive(self) -> bool:
        """HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive" (RFC 9112 §9.3)."""
        conn = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.1":
            return "close" not in conn
        return "keep-alive" in conn


def parse_head(head: bytes) -> Request:
    """Parse the bytes before the blank line; raise :class:`BadRequest` on anything malformed."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise BadRequest("undecodable head") from None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[2].startswith("HTTP/1."):
        raise BadRequest("bad request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest("bad header line")
        key = name.lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return Request(method=parts[0], target=parts[1], version=parts[2], headers=headers)


class ByteRange(NamedTuple):
    """An inclusive byte range ``first..last`` of a representation of ``size`` bytes."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


class Unsatisfiable(NamedTuple):
    """A syntactically valid range that selects no byte (answer 416)."""


def parse_range(header: str | None, size: int) -> ByteRange | Unsatisfiable | None:
    """Resolve a ``Range`` header against ``size``; None means "send the whole representation"."""
    if header is None:
        return None
    unit, eq, spec = header.partition("=")
    if not eq or unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash or not (first_text.isdigit() or first_text == "") or not (last_text.isdigit() or last_text == ""):
        return None
    if first_text == "":
        if last_text == "":
            return None
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            return Unsatisfiable()
        return ByteRange(max(0, size - suffix), size - 1)
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None  # invalid range-spec: ignore the header (RFC 9110 §14.1.1)
    if first >= size:
        return Unsatisfiable()
    last = int(last_text) if last_text else size - 1
    return ByteRange(first, min(last, size - 1))


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match comparison (weak, RFC 9110 §13.1.2): ``*`` or any listed tag equal to ours."""
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


class HttpDate:
    """IMF-fixdate strings (RFC 9110 §5.6.7), memoised: formatting costs more than serving a header."""

    def __init__(self, capacity: int = 4096) -> None:
        self._cache: dict[int, str] = {}
        self._capacity = capacity

    def format(self, epoch: float) -> str:
        second = int(epoch)
        text = self._cache.get(second)
        if text is None:
            if len(self._cache) >= self._capacity:
                self._cache.clear()
            text = self._cache[second] = formatdate(second, usegmt=True)
        return text


def response_head(status: int, headers: list[tuple[str, str]], *, keep_alive: bool) -> bytes:
    """Serialise a status line and headers (plus Connection) followed by the blank line."""
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
    lines.extend(f"{k}: {v}" for k, v in headers)
    lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

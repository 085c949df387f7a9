"""Which URIs the player may fetch: http(s) only, with a host, and — for downloads — inside the origin.

Manifests are untrusted input: a playlist can name ``file:///etc/passwd``, a ``data:`` blob, an
``ftp:`` server, or (when we download into a folder) ``../../`` paths that climb out of the title.
Every URL is checked here before a request is made, and again on every redirect hop.

``data:`` is refused unless the caller says the spec allows it at that spot: the layout contract puts
the ClearKey PSSH in ``#EXT-X-KEY:...URI="data:text/plain;base64,..."`` (RFC 8216 §4.3.2.4 allows any
URI there), so the key loader passes ``allow_data=True``; segment and manifest fetches never do.

Pure functions, no I/O. URLs are returned untouched so signed query strings and path tokens survive.
"""
from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from player.net.errors import EscapesOrigin, MissingHost, RefusedScheme, UnsafeUriError
from player.net.redact import redact

ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def _split(uri: str) -> SplitResult:
    if _CONTROL.search(uri.strip()) or uri != uri.strip():
        raise MissingHost(f"refused URI with whitespace or control characters: {redact(uri)!r}")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise MissingHost(f"refused malformed URI {redact(uri)!r}: {exc}") from None
    return parts


def check_uri(uri: str, *, allow_data: bool = False, origin: str | None = None) -> str:
    """Return ``uri`` unchanged if it may be fetched, else raise an ``UnsafeUriError`` subclass.

    ``origin``: the manifest URL a download is confined to; the URI must then have the same scheme,
    host and port and a path inside the manifest's folder, with no ``..`` (plain or percent-encoded).
    """
    if not isinstance(uri, str) or not uri:
        raise MissingHost("refused an empty URI")
    parts = _split(uri)
    scheme = parts.scheme.lower()
    if scheme == "data":
        if allow_data:
            return uri
        raise RefusedScheme("refused data: URI (inline data is allowed only where the spec says so, e.g. an HLS key URI)")
    if scheme == "file":
        raise RefusedScheme(f"refused file: URI {redact(uri)!r} (local files are never read from a manifest)")
    if scheme not in ALLOWED_SCHEMES:
        shown = f"{scheme}:" if scheme else "a relative URI (no scheme)"
        raise RefusedScheme(f"refused {shown} in {redact(uri)!r}: only http and https are fetched")
    if not parts.hostname:
        raise MissingHost(f"refused {redact(uri)!r}: no host")
    if origin is not None:
        _check_within(parts, origin, uri)
    return uri


def _fully_unquote(text: str) -> str:
    """Undo nested percent-encoding (``%252e`` → ``%2e`` → ``.``) so no layer hides a ``..``."""
    for _ in range(4):
        decoded = unquote(text)
        if decoded == text:
            return decoded
        text = decoded
    return text


def _endpoint(parts: SplitResult) -> tuple[str, str, int | None]:
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def origin_folder(origin: str) -> str:
    """The path prefix a download from ``origin`` (a manifest URL) must stay under."""
    path = urlsplit(origin).path or "/"
    return path[: path.rfind("/") + 1]


def _check_within(parts: SplitResult, origin: str, uri: str) -> None:
    base = _split(origin)
    if _endpoint(parts) != _endpoint(base):
        raise EscapesOrigin(f"refused {redact(uri)!r}: another scheme, host or port than the origin {redact(origin)!r}")
    decoded = _fully_unquote(parts.path)
    segments = re.split(r"[/\\]", decoded)
    if ".." in segments or "." in segments:
        raise EscapesOrigin(f"refused {redact(uri)!r}: dot segments ('..', '%2e%2e') in a download path")
    if not decoded.startswith(_fully_unquote(origin_folder(origin))):
        raise EscapesOrigin(f"refused {redact(uri)!r}: outside the manifest's folder {redact(origin)!r}")


def check_redirect(current: str, location: str, *, origin: str | None = None) -> str:
    """Resolve a ``Location`` header against the URL that answered and check the result."""
    if not location:
        raise UnsafeUriError(f"redirect from {redact(current)!r} without a Location")
    return check_uri(urljoin(current, location), origin=origin)


def resolve(base: str, reference: str, *, allow_data: bool = False, origin: str | None = None) -> str:
    """``reference`` resolved against ``base`` (RFC 3986 §5) and checked; for manifest loaders."""
    return check_uri(urljoin(base, reference), allow_data=allow_data, origin=origin)

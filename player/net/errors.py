"""Errors raised by ``player.net``; all are subclasses of the engine's tree in ``player.errors``::

    PlayerError
    ├── UnsafeUriError              (player.errors) a URI we refuse to fetch
    │   ├── RefusedScheme           file:, data: (where no spec allows it), ftp:, javascript:, ...
    │   ├── MissingHost             http(s) URL without a host, or with control characters
    │   └── EscapesOrigin           `..`/`%2e%2e` or another host/port when an origin is imposed
    └── FetchError                  (player.errors) a request that could not be completed
        ├── ConnectFailed           connection refused/reset before a response, DNS, TLS handshake
        ├── UntrustedCertificate    (player.errors) the https server's certificate failed verification
        ├── StallDetected           no bytes within the read timeout, or throughput under the floor
        │   └── DeadlineExceeded    the whole request took longer than its deadline
        ├── BodyTooLarge            the body is (or is announced) longer than the request allows
        ├── HttpStatusError         a non-2xx final status (``status`` attribute)
        ├── RedirectError           (player.errors) too many redirects, or a redirect without a Location
        ├── TruncatedSegment        (player.errors) fewer bytes than Content-Length / Content-Range
        ├── CorruptSegment          a body whose structure is broken (``integrity.py``): random or cut bytes
        └── AllCdnsFailed           (player.errors) every CDN failed for one request
            └── PoolFailure         ... with the per-attempt reasons (``attempts`` attribute)

httpx exceptions never leave this package: the transport maps each one onto this tree, and every
message carries a redacted URL (see ``redact.py``) so tokens never reach a log.
"""
from __future__ import annotations

from player.errors import (AllCdnsFailed, FetchError, RedirectError, TruncatedSegment, UnsafeUriError,
                           UntrustedCertificate)

__all__ = [
    "AllCdnsFailed",
    "BodyTooLarge",
    "ConnectFailed",
    "CorruptSegment",
    "DeadlineExceeded",
    "EscapesOrigin",
    "FetchError",
    "HttpStatusError",
    "MissingHost",
    "PoolFailure",
    "RedirectError",
    "RefusedScheme",
    "StallDetected",
    "TruncatedSegment",
    "UnsafeUriError",
    "UntrustedCertificate",
]


class RefusedScheme(UnsafeUriError):
    """The URI's scheme is not http/https (or data: where the caller's spec does not allow it)."""


class MissingHost(UnsafeUriError):
    """An http(s) URL without a host, or a URL carrying control characters."""


class EscapesOrigin(UnsafeUriError):
    """A download path that leaves the manifest's origin folder."""


class ConnectFailed(FetchError):
    """No response: connection refused or reset, name resolution or TLS failure."""


class StallDetected(FetchError):
    """Bytes stopped arriving (read timeout) or arrived slower than the throughput floor."""

    def __init__(self, message: str, *, received: int = 0) -> None:
        super().__init__(message)
        self.received = received


class CorruptSegment(FetchError):
    """The body arrived whole by HTTP's account but is not a well-formed segment (another CDN may have it)."""


class DeadlineExceeded(StallDetected):
    """The request as a whole (head and body) took longer than its deadline (manifests, inits, keys)."""


class BodyTooLarge(FetchError):
    """A body longer than the request allows: an endless manifest, a segment far over its bitrate."""

    def __init__(self, message: str, *, received: int = 0) -> None:
        super().__init__(message)
        self.received = received


class HttpStatusError(FetchError):
    """The final response had a status outside 2xx."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status

    @property
    def permanent(self) -> bool:
        """4xx other than 408/429 will be the same on a retry (but another CDN may still differ)."""
        return 400 <= self.status < 500 and self.status not in (408, 429)


class PoolFailure(AllCdnsFailed):
    """Every CDN failed; ``attempts`` lists ``(cdn index, error)`` in the order tried."""

    def __init__(self, message: str, *, attempts: list[tuple[int, FetchError]]) -> None:
        super().__init__(message)
        self.attempts = attempts

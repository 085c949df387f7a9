"""Signed path tokens for edge URLs (team contract, /tmp/layout.md "Edges").

URLs look like ``/c/<expires>-<sig>/<title_id>/<relative path>`` where ``sig`` is the first 32 hex
characters of HMAC-SHA256(edge_secret, f"{title_id}/{expires}") and ``expires`` is epoch seconds.
The token sits in the *path* rather than the query so that relative URLs inside HLS playlists and DASH
manifests (RFC 8216 §4.1 URI resolution, ISO/IEC 23009-1 §5.6 BaseURL) inherit it without rewriting.
Comparison is constant-time (``hmac.compare_digest``) so a forger learns nothing from timing.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
from urllib.parse import quote

SIG_HEX_CHARS = 32


class TokenStatus(enum.Enum):
    """Why a token was accepted or refused; the edge answers 403 for every status but VALID."""

    VALID = "valid"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"


def _signature(secret: bytes, title_id: str, expires: int) -> str:
    mac = hmac.new(secret, f"{title_id}/{expires}".encode(), hashlib.sha256)
    return mac.hexdigest()[:SIG_HEX_CHARS]


def sign_token(secret: bytes, title_id: str, expires: int) -> str:
    """Return the path token ``"<expires>-<sig>"`` granting access to one title until ``expires``."""
    return f"{int(expires)}-{_signature(secret, title_id, int(expires))}"


def check_token(secret: bytes, token: str, title_id: str, now: float) -> TokenStatus:
    """Classify ``token`` for ``title_id`` at time ``now`` (epoch seconds); valid while now <= expires."""
    expires_text, dash, sig = token.partition("-")
    if not dash or not expires_text.isdigit() or len(expires_text) > 12 or len(sig) != SIG_HEX_CHARS:
        return TokenStatus.MALFORMED
    expires = int(expires_text)
    if not hmac.compare_digest(sig.encode(), _signature(secret, title_id, expires).encode()):
        return TokenStatus.BAD_SIGNATURE
    if now > expires:
        return TokenStatus.EXPIRED
    return TokenStatus.VALID


class TokenChecker:
    """:func:`check_token` with the signature verdict memoised per (token, title).

    An edge sees the same grant on every segment request of a session; HMAC is deterministic, so only
    the first request pays for it and the rest just compare the expiry with ``now``. Bounded: cleared
    when full.
    """

    def __init__(self, secret: bytes, capacity: int = 8192) -> None:
        self._secret = secret
        self._capacity = capacity
        self._genuine: dict[tuple[str, str], int] = {}

    def check(self, token: str, title_id: str, now: float) -> TokenStatus:
        expires = self._genuine.get((token, title_id))
        if expires is None:
            status = check_token(self._secret, token, title_id, now)
            if status is TokenStatus.MALFORMED or status is TokenStatus.BAD_SIGNATURE:
                return status
            if len(self._genuine) >= self._capacity:
                self._genuine.clear()
            expires = self._genuine[(token, title_id)] = int(token.partition("-")[0])
        return TokenStatus.EXPIRED if now > expires else TokenStatus.VALID


def verify_token(secret: bytes, token: str, title_id: str, now: float) -> bool:
    """True when ``token`` is a well-formed, genuine, unexpired grant for ``title_id`` at ``now``."""
    return check_token(secret, token, title_id, now) is TokenStatus.VALID


def signed_url(base_url: str, secret: bytes, title_id: str, relpath: str, expires: int) -> str:
    """The full edge URL of ``relpath`` (e.g. ``"master.m3u8"``) inside ``title_id``, valid until ``expires``."""
    token = sign_token(secret, title_id, expires)
    return f"{base_url.rstrip('/')}/c/{token}/{quote(title_id, safe='')}/{quote(relpath.lstrip('/'))}"


def redact_path(path: str) -> str:
    """Replace the token segment of ``/c/<token>/...`` by ``<token>`` so logs never carry a grant."""
    if path.startswith("/c/"):
        _, _, rest = path[3:].partition("/")
        return "/c/<token>/" + rest
    return path

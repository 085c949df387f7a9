"""Signed path tokens for edge URLs (team contract, /tmp/layout.md "Edges").

URLs look like ``/c/<claims>-<sig>/<title_id>/<relative path>`` where ``sig`` is the first 32 hex
characters of HMAC-SHA256(edge_secret, f"{title_id}/{claims}"). ``claims`` is ``<expires>`` (epoch
seconds) optionally followed by ``.h<height>`` — the tallest video rendition the viewer's plan allows,
which the edge enforces — and ``.s<session id>`` — the playback session the URL belongs to, which must
still be live (issue 16: entitlements enforced by the server, URLs dying with their session).
The token sits in the *path* rather than the query so that relative URLs inside HLS playlists and DASH
manifests (RFC 8216 §4.1 URI resolution, ISO/IEC 23009-1 §5.6 BaseURL) inherit it without rewriting.
Comparison is constant-time (``hmac.compare_digest``) so a forger learns nothing from timing.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote

SIG_HEX_CHARS = 32


class TokenStatus(enum.Enum):
    """Why a token was accepted or refused; the edge answers 403 for every status but VALID."""

    VALID = "valid"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    ABOVE_PLAN = "above_plan"
    SESSION_ENDED = "session_ended"


_CLAIMS = re.compile(r"(\d{1,12})(?:\.h(\d{1,5}))?(?:\.s([\w-]{1,64}))?")


@dataclass(frozen=True)
class Grant:
    """What a genuine token allows: until when, up to which video height, for which session."""

    expires: int
    max_height: int | None = None
    session: str | None = None

    def claims(self) -> str:
        text = str(self.expires)
        if self.max_height is not None:
            text += f".h{self.max_height}"
        if self.session is not None:
            text += f".s{self.session}"
        return text


def _signature(secret: bytes, title_id: str, claims: str) -> str:
    mac = hmac.new(secret, f"{title_id}/{claims}".encode(), hashlib.sha256)
    return mac.hexdigest()[:SIG_HEX_CHARS]


def sign_token(secret: bytes, title_id: str, expires: int, *, max_height: int | None = None,
               session: str | None = None) -> str:
    """Return the path token ``"<claims>-<sig>"`` granting access to one title until ``expires``."""
    claims = Grant(int(expires), max_height, session).claims()
    return f"{claims}-{_signature(secret, title_id, claims)}"


def read_grant(secret: bytes, token: str, title_id: str) -> Grant | TokenStatus:
    """The grant of a genuine token, else MALFORMED or BAD_SIGNATURE (expiry is the caller's)."""
    claims, dash, sig = token.rpartition("-")
    found = _CLAIMS.fullmatch(claims) if dash and len(sig) == SIG_HEX_CHARS else None
    if found is None:
        return TokenStatus.MALFORMED
    if not hmac.compare_digest(sig.encode(), _signature(secret, title_id, claims).encode()):
        return TokenStatus.BAD_SIGNATURE
    height, session = found.group(2), found.group(3)
    return Grant(int(found.group(1)), None if height is None else int(height), session)


class TokenChecker:
    """Classifies a token for a title at a time, with the signature verdict memoised per (token, title).

    An edge sees the same grant on every segment request of a session; HMAC is deterministic, so only
    the first request pays for it and the rest just compare the expiry with ``now``. Bounded: cleared
    when full.
    """

    def __init__(self, secret: bytes, capacity: int = 8192) -> None:
        self._secret = secret
        self._capacity = capacity
        self._genuine: dict[tuple[str, str], Grant] = {}

    def grant(self, token: str, title_id: str) -> Grant | TokenStatus:
        """The token's grant (memoised), or why it is not genuine."""
        grant = self._genuine.get((token, title_id))
        if grant is None:
            found = read_grant(self._secret, token, title_id)
            if isinstance(found, TokenStatus):
                return found
            if len(self._genuine) >= self._capacity:
                self._genuine.clear()
            grant = self._genuine[(token, title_id)] = found
        return grant

    def check(self, token: str, title_id: str, now: float) -> TokenStatus:
        """VALID while ``now`` (epoch seconds) <= the grant's expiry, else why not."""
        grant = self.grant(token, title_id)
        if isinstance(grant, TokenStatus):
            return grant
        return TokenStatus.EXPIRED if now > grant.expires else TokenStatus.VALID


def signed_url(base_url: str, secret: bytes, title_id: str, relpath: str, expires: int, *,
               max_height: int | None = None, session: str | None = None) -> str:
    """The full edge URL of ``relpath`` (e.g. ``"master.m3u8"``) inside ``title_id``, valid until ``expires``."""
    token = sign_token(secret, title_id, expires, max_height=max_height, session=session)
    return f"{base_url.rstrip('/')}/c/{token}/{quote(title_id, safe='')}/{quote(relpath.lstrip('/'))}"


def redact_path(path: str) -> str:
    """Replace the token segment of ``/c/<token>/...`` by ``<token>`` so logs never carry a grant."""
    if path.startswith("/c/"):
        _, _, rest = path[3:].partition("/")
        return "/c/<token>/" + rest
    return path

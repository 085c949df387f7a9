"""Access tokens (short-lived JWT, HS256) and rotating refresh tokens with reuse detection.

Refresh tokens follow the OAuth 2.0 Security BCP (RFC 9700 §4.14.2): each use returns a new refresh
token of the same *family* and marks the old one used; presenting a used token again means it was
stolen (or replayed), so the whole family is revoked and the user must log in again. Only SHA-256
hashes of refresh tokens are stored.

Expiry is checked against the injected clock, not PyJWT's own ``time.time()`` (its exp/iat/nbf checks are
off: with a clock moved forward in a test, PyJWT would call a fresh token "issued in the future").
"""
from __future__ import annotations

import hashlib
import secrets

import jwt
import sqlite_utils

from backend_stub.api.errors import RefreshReused, TokenExpired, Unauthorized

_ALG = "HS256"


def issue_access(key: bytes, *, user_id: int, now: float, ttl_s: float) -> str:
    claims = {"sub": str(user_id), "iat": int(now), "exp": int(now + ttl_s), "typ": "access"}
    return jwt.encode(claims, key, algorithm=_ALG)


def verify_access(key: bytes, token: str, *, now: float) -> int:
    """The user id in a valid access token; :class:`Unauthorized` or :class:`TokenExpired` otherwise."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[_ALG], options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        raise Unauthorized("invalid access token") from None
    if claims.get("typ") != "access":
        raise Unauthorized("invalid access token")
    if now >= float(claims["exp"]):
        raise TokenExpired("access token expired")
    try:
        return int(claims["sub"])
    except (TypeError, ValueError):
        raise Unauthorized("invalid access token") from None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_refresh(
    db: sqlite_utils.Database, *, user_id: int, now: float, ttl_s: float, family_id: str | None = None
) -> str:
    token = secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [_digest(token), family_id or secrets.token_hex(16), user_id, now, now + ttl_s],
    )
    return token


def rotate_refresh(db: sqlite_utils.Database, token: str, *, now: float, ttl_s: float) -> tuple[int, str]:
    """Spend ``token``: returns (user id, the next refresh token). Reuse revokes the family."""
    rows = list(db.query("SELECT * FROM refresh_tokens WHERE token_hash = ?", [_digest(token)]))
    if not rows:
        raise Unauthorized("unknown refresh token")
    row = rows[0]
    if row["revoked"]:
        raise Unauthorized("refresh token revoked")
    if row["used_at"] is not None:
        db.execute("UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ?", [row["family_id"]])
        raise RefreshReused("refresh token already used; all sessions of this login were signed out")
    if now >= row["expires_at"]:
        raise TokenExpired("refresh token expired")
    db.execute("UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?", [now, row["token_hash"]])
    nxt = issue_refresh(db, user_id=row["user_id"], now=now, ttl_s=ttl_s, family_id=row["family_id"])
    return int(row["user_id"]), nxt

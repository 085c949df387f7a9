"""The licence server: W3C EME ClearKey licences, temporary (streaming) and persistent (offline).

Request and response follow the ClearKey JSON formats of W3C EME §9.1.3-9.1.4 (``kids`` and ``k``
base64url without padding). A temporary licence needs a live playback session of the same user for
the title that owns every requested KID; it carries its own expiry (``expires_at``, epoch seconds, and
``expires_in``), ``ttl_s`` after issue, which each heartbeat of the session pushes forward (the
heartbeat answers ``license_expires_at``). Once the session ends or falls silent, no licence is issued
or renewed for it, so its keys lapse at most ``ttl_s`` after its last heartbeat (issue 16). An offline licence needs a plan with downloads; it carries a
rental window (30 days) and a playback window (48 h from first play, enforced by the client) and is
signed with Ed25519 over ``json.dumps(license, sort_keys=True, separators=(",", ":"))`` so a client can
verify it while offline (layout contract). Renewing (``renew_license_id``) keeps the licence id and
restarts both windows.
"""
from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from backend_stub.api.errors import BadRequest, NotEntitled, NotFound
from backend_stub.api.keystore import ServerSecrets
from backend_stub.api.sessions import PlaybackSession
from backend_stub.api.users import User


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise BadRequest("kids must be base64url", code="bad_kid") from None


def kid_hex_to_b64(kid_hex: str) -> str:
    return b64url(bytes.fromhex(kid_hex))


@dataclass(frozen=True, kw_only=True)
class ContentKey:
    kid: bytes
    key: bytes
    title_id: str


def _lookup(db: sqlite_utils.Database, kids_b64: list[str]) -> list[ContentKey]:
    if not kids_b64:
        raise BadRequest("kids must not be empty", code="bad_kid")
    out = []
    for k in kids_b64:
        kid = unb64url(k)
        if len(kid) != 16:
            raise BadRequest("a KID is 16 bytes", code="bad_kid")
        rows = list(db.query("SELECT * FROM content_keys WHERE lower(kid) = ?", [kid.hex()]))
        if not rows:
            raise NotFound("unknown key id", code="unknown_kid")
        out.append(ContentKey(kid=kid, key=bytes.fromhex(rows[0]["key"]), title_id=rows[0]["title_id"]))
    return out


def _jwk(keys: list[ContentKey]) -> list[dict[str, str]]:
    return [{"kty": "oct", "k": b64url(c.key), "kid": b64url(c.kid)} for c in keys]


def temporary_licence(db: sqlite_utils.Database, *, kids: list[str], session: PlaybackSession, now: float,
                      ttl_s: float) -> dict[str, Any]:
    keys = _lookup(db, kids)
    if any(c.title_id != session.title_id for c in keys):
        raise NotEntitled("these keys belong to a title outside this playback session")
    return {"keys": _jwk(keys), "type": "temporary", "expires_at": int(now + ttl_s), "expires_in": int(ttl_s)}


def canonical(license_doc: dict[str, Any]) -> bytes:
    """The signed bytes (layout contract)."""
    return json.dumps(license_doc, sort_keys=True, separators=(",", ":")).encode()


def offline_licence(
    db: sqlite_utils.Database,
    secrets_: ServerSecrets,
    *,
    user: User,
    kids: list[str],
    title_id: str,
    device_id: str,
    renew_license_id: str | None,
    now: float,
    rental_s: float,
    playback_window_s: int,
) -> dict[str, Any]:
    if not user.plan.offline:
        raise NotEntitled(f"the {user.plan.name} plan does not include downloads")
    if not list(db.query("SELECT 1 FROM titles WHERE id = ?", [title_id])):
        raise NotFound(f"no title {title_id!r}", code="unknown_title")
    keys = _lookup(db, kids)
    if any(c.title_id != title_id for c in keys):
        raise NotEntitled("these keys do not belong to this title")
    issued, expires = int(now), int(now + rental_s)
    if renew_license_id is not None:
        found = list(db.query(
            "SELECT license_id FROM offline_licenses WHERE license_id = ? AND user_id = ? AND title_id = ? AND device_id = ?",
            [renew_license_id, user.id, title_id, device_id],
        ))
        if not found:
            raise NotFound("no licence with this id for this title and device", code="unknown_license")
        license_id = renew_license_id
        db.execute(
            "UPDATE offline_licenses SET issued_at = ?, rental_expires_at = ? WHERE license_id = ?",
            [issued, expires, license_id],
        )
    else:
        license_id = secrets.token_urlsafe(12)
        db.execute(
            "INSERT INTO offline_licenses (license_id, user_id, title_id, device_id, issued_at, rental_expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [license_id, user.id, title_id, device_id, issued, expires],
        )
    doc = {
        "license_id": license_id,
        "title_id": title_id,
        "device_id": device_id,
        "kids": [b64url(c.kid) for c in keys],
        "issued_at": issued,
        "rental_expires_at": expires,
        "playback_window_s": playback_window_s,
    }
    return {
        "keys": _jwk(keys),
        "type": "persistent-license",
        "license": doc,
        "signature": b64url(secrets_.signing_key.sign(canonical(doc))),
    }

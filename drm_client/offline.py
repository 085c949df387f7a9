"""Persistent (offline) licences: signature verification and the two windows. Pure, no I/O.

The server signs the ``license`` object of its ``persistent-license`` response with Ed25519
(RFC 8032) over the canonical JSON ``json.dumps(license, sort_keys=True, separators=(',', ':'))``
(layout contract). We re-serialise the object the same way and verify against the server public key
pinned while online, so a licence can be checked with no network — on every use, not only on save,
because the stored copy is as editable as any file.

Two windows bound playback (issue 5, "Offline licence"):
- the **rental window**: until ``rental_expires_at`` (e.g. 30 days after download);
- the **playback window**: ``playback_window_s`` (e.g. 48 h) from the first play.
A licence is usable while ``now < min(rental_expires_at, first_play_at + playback_window_s)``.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from drm_client.clearkey import b64url_decode, kid_from
from drm_client.errors import LicenseExpired, MalformedLicense, SignatureInvalid


def canonical_json(obj: Mapping[str, Any]) -> bytes:
    """The exact bytes the server signs (layout contract)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, kw_only=True)
class OfflineLicence:
    """A verified persistent licence. Build it with ``verify``; never from unverified fields."""

    license_id: str
    title_id: str
    device_id: str
    kids: tuple[bytes, ...]
    issued_at: float
    rental_expires_at: float
    playback_window_s: float
    payload: bytes = field(repr=False)
    """The canonical JSON that was signed (what we store)."""
    signature: bytes = field(repr=False)

    @classmethod
    def verify(cls, payload: Mapping[str, Any] | bytes, signature: bytes | str,
               public_key: bytes) -> OfflineLicence:
        """Check the Ed25519 signature of ``payload`` and return the licence it describes.

        ``payload`` is the ``license`` object (or its stored canonical bytes); ``signature`` raw or
        base64url. Any mismatch → ``SignatureInvalid``; a well-signed but odd licence →
        ``MalformedLicense``.
        """
        try:
            obj = json.loads(payload) if isinstance(payload, (bytes, bytearray)) else dict(payload)
            sig = b64url_decode(signature) if isinstance(signature, str) else bytes(signature)
        except (ValueError, TypeError) as exc:
            raise SignatureInvalid("licence or signature is not decodable") from exc
        if not isinstance(obj, dict):
            raise SignatureInvalid("licence payload is not an object")
        canonical = canonical_json(obj)
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(sig, canonical)
        except (InvalidSignature, ValueError) as exc:
            raise SignatureInvalid("licence signature does not verify against the server key") from exc
        try:
            kids = tuple(kid_from(b64url_decode(k)) for k in obj["kids"])
            licence = cls(
                license_id=_text(obj["license_id"]), title_id=_text(obj["title_id"]),
                device_id=_text(obj["device_id"]), kids=kids,
                issued_at=_number(obj["issued_at"]),
                rental_expires_at=_number(obj["rental_expires_at"]),
                playback_window_s=_number(obj["playback_window_s"]),
                payload=canonical, signature=sig)
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedLicense(f"signed licence lacks or misstates a field: {exc}") from exc
        if not kids or licence.rental_expires_at <= licence.issued_at or licence.playback_window_s <= 0:
            raise MalformedLicense("signed licence has no KIDs or an empty window")
        return licence

    def playback_expires_at(self, first_play_at: float | None) -> float | None:
        """End of the playback window, or ``None`` before the first play."""
        return None if first_play_at is None else first_play_at + self.playback_window_s

    def expires_at(self, first_play_at: float | None) -> float:
        """When the licence stops working, given the first-play time (if any)."""
        window = self.playback_expires_at(first_play_at)
        return self.rental_expires_at if window is None else min(self.rental_expires_at, window)

    def remaining_s(self, now: float, first_play_at: float | None) -> float:
        """Seconds left (0 once expired) — the UI countdown."""
        return max(0.0, self.expires_at(first_play_at) - now)

    def check(self, now: float, first_play_at: float | None) -> None:
        """``LicenseExpired`` naming the window that closed, else nothing."""
        if now >= self.rental_expires_at:
            raise LicenseExpired(f"the rental of {self.title_id} ended")
        window = self.playback_expires_at(first_play_at)
        if window is not None and now >= window:
            raise LicenseExpired(f"the playback window of {self.title_id} ended")


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a non-empty string")
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number")
    return float(value)

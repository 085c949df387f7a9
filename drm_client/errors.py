"""Errors raised by the DRM client. Every failure a caller can meet is one of these::

    DrmError
    ├── LicenseError               talking to the licence server failed
    │   ├── LicenseDenied          4xx: carries the server's ``reason`` and ``code``
    │   │                          (not_entitled, too_many_streams, plan_resolution, unauthorized,
    │   │                          unknown_kid, bad_request ...)
    │   ├── LicenseServerError     5xx from the licence server
    │   ├── LicenseUnreachable     connection refused, reset or timed out
    │   └── MalformedLicense       the body is not the W3C ClearKey JSON we asked for
    │                              (bad JSON, kty not "oct", wrong key size, a KID we did not ask for)
    ├── MalformedPssh              a PSSH box that does not parse (ISO/IEC 23001-7 §8.1)
    ├── KeyUnavailable             no key for a KID in a KeyRing (or the ring was cleared)
    ├── OfflineLicenceError        persistent licences held on this device
    │   ├── SignatureInvalid       Ed25519 signature does not verify against the pinned server key
    │   ├── LicenseExpired         rental or playback window is over (the stored keys are wiped)
    │   ├── ClockRollback          the clock went back beyond tolerance: locked until online renewal
    │   └── LicenceNotFound        no stored licence with that id
    └── DeviceKeyError             the device key cannot be loaded, created or used
        └── SealBroken             a wrapped blob fails AES-GCM authentication (tampered, other device)

Library exceptions (httpx, cryptography, keyring, sqlite3, json) never leave this package: they are
caught at the boundary and re-raised as one of the above with the original chained as ``__cause__``.
Messages never contain key material, tokens or licence signatures.
"""
from __future__ import annotations


class DrmError(Exception):
    """Base of every DRM client error."""


class LicenseError(DrmError):
    """The licence request could not be turned into keys."""


class LicenseDenied(LicenseError):
    """The server refused the licence (HTTP 4xx); ``code`` is machine-readable, ``reason`` for humans."""

    def __init__(self, reason: str, code: str, *, status: int | None = None) -> None:
        super().__init__(f"licence denied ({code}): {reason}")
        self.reason = reason
        self.code = code
        self.status = status


class LicenseServerError(LicenseError):
    """The licence server failed (HTTP 5xx)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LicenseUnreachable(LicenseError):
    """The licence server could not be reached (connect error, reset, timeout)."""


class MalformedLicense(LicenseError):
    """The licence response is not valid W3C EME ClearKey JSON for the KIDs requested."""


class MalformedPssh(DrmError):
    """A PSSH box is truncated or inconsistent."""


class KeyUnavailable(DrmError):
    """No key is held for the requested KID."""


class OfflineLicenceError(DrmError):
    """A persistent (offline) licence cannot be used."""


class SignatureInvalid(OfflineLicenceError):
    """The licence signature does not verify, or the licence is not the one the keys belong to."""


class LicenseExpired(OfflineLicenceError):
    """The rental window or the playback window has ended; the stored keys have been destroyed."""


class ClockRollback(OfflineLicenceError):
    """The device clock is behind the highest time already seen; playback is locked until renewal."""


class LicenceNotFound(OfflineLicenceError):
    """No licence with this id is stored."""


class DeviceKeyError(DrmError):
    """The device key is unavailable (keyring failure, fallback file unreadable, wrong machine)."""


class SealBroken(DeviceKeyError):
    """AES-GCM authentication failed: the blob was altered, or was sealed by another device key."""

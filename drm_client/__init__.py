"""Reelbox DRM client: ClearKey licences for streaming, offline licences, the device key.

Public face (see each module for the why and the spec it follows):

- ``acquire_keys(license_url, kids, *, token, session_id, client=None) -> KeyRing`` — streaming
  licence, run as a task in parallel with the first segment fetches (``acquire``);
- ``KeyRing`` — keys in memory only (``key_ring``);
- ``clearkey`` — EME ClearKey JSON, PSSH parsing, KID spellings;
- ``OfflineLicence``, ``TrustedClock``/``ClockStateFile``, ``OfflineLicenceStore``,
  ``download_licence``/``renew_online`` — offline licences (``offline``, ``clock``,
  ``offline_store``, ``offline_fetch``);
- ``DeviceKey``/``load_device_key`` — the device key in the OS keyring or its fallback
  (``device_key``);
- the error tree in ``errors``.
"""
from drm_client.acquire import LicenceRetry, acquire_keys, acquire_offline_licence, fetch_public_key
from drm_client.clock import ClockState, ClockStateFile, TrustedClock
from drm_client.device_key import DeviceKey, load_device_key
from drm_client.errors import (
    ClockRollback,
    DeviceKeyError,
    DrmError,
    KeyUnavailable,
    LicenceNotFound,
    LicenseDenied,
    LicenseError,
    LicenseExpired,
    LicenseServerError,
    LicenseUnreachable,
    MalformedLicense,
    MalformedPssh,
    OfflineLicenceError,
    SealBroken,
    SignatureInvalid,
)
from drm_client.key_ring import KeyRing
from drm_client.offline import OfflineLicence
from drm_client.offline_fetch import download_licence, renew_online
from drm_client.offline_store import LicenceStatus, OfflineLicenceStore

__all__ = [
    "ClockRollback", "ClockState", "ClockStateFile", "DeviceKey", "DeviceKeyError", "DrmError",
    "KeyRing", "KeyUnavailable", "LicenceNotFound", "LicenceStatus", "LicenseDenied",
    "LicenseError", "LicenseExpired", "LicenseServerError", "LicenseUnreachable",
    "MalformedLicense", "MalformedPssh", "OfflineLicence", "OfflineLicenceError",
    "OfflineLicenceStore", "SealBroken", "SignatureInvalid", "TrustedClock", "acquire_keys",
    "LicenceRetry", "acquire_offline_licence", "download_licence", "fetch_public_key",
    "load_device_key", "renew_online",
]

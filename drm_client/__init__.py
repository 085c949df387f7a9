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

Names are imported on first use (PEP 562): a command that needs only the device key does not pay
for the licence client's HTTP stack or the keyring's backend discovery (issue 19).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from drm_client.lazy_exports import lazy_exports

if TYPE_CHECKING:  # what the names are, for type checkers (``X as X``: an explicit re-export)
    from drm_client.errors import (
        ClockRollback as ClockRollback,
        DeviceKeyError as DeviceKeyError,
        DrmError as DrmError,
        KeyUnavailable as KeyUnavailable,
        LicenceNotFound as LicenceNotFound,
        LicenseDenied as LicenseDenied,
        LicenseError as LicenseError,
        LicenseExpired as LicenseExpired,
        LicenseServerError as LicenseServerError,
        LicenseUnreachable as LicenseUnreachable,
        MalformedLicense as MalformedLicense,
        MalformedPssh as MalformedPssh,
        OfflineLicenceError as OfflineLicenceError,
        SealBroken as SealBroken,
        SignatureInvalid as SignatureInvalid,
    )
    from drm_client.clock import (
        ClockState as ClockState,
        ClockStateFile as ClockStateFile,
        TrustedClock as TrustedClock,
    )
    from drm_client.device_key import (
        DeviceKey as DeviceKey,
        load_device_key as load_device_key,
    )
    from drm_client.key_ring import (
        KeyRing as KeyRing,
    )
    from drm_client.offline_store import (
        LicenceStatus as LicenceStatus,
        OfflineLicenceStore as OfflineLicenceStore,
    )
    from drm_client.offline import (
        OfflineLicence as OfflineLicence,
    )
    from drm_client.acquire import (
        LicenceRetry as LicenceRetry,
        acquire_keys as acquire_keys,
        acquire_offline_licence as acquire_offline_licence,
        fetch_public_key as fetch_public_key,
    )
    from drm_client.offline_fetch import (
        download_licence as download_licence,
        renew_online as renew_online,
    )

_EXPORTS = {
    "ClockRollback": "drm_client.errors",
    "ClockState": "drm_client.clock",
    "ClockStateFile": "drm_client.clock",
    "DeviceKey": "drm_client.device_key",
    "DeviceKeyError": "drm_client.errors",
    "DrmError": "drm_client.errors",
    "KeyRing": "drm_client.key_ring",
    "KeyUnavailable": "drm_client.errors",
    "LicenceNotFound": "drm_client.errors",
    "LicenceRetry": "drm_client.acquire",
    "LicenceStatus": "drm_client.offline_store",
    "LicenseDenied": "drm_client.errors",
    "LicenseError": "drm_client.errors",
    "LicenseExpired": "drm_client.errors",
    "LicenseServerError": "drm_client.errors",
    "LicenseUnreachable": "drm_client.errors",
    "MalformedLicense": "drm_client.errors",
    "MalformedPssh": "drm_client.errors",
    "OfflineLicence": "drm_client.offline",
    "OfflineLicenceError": "drm_client.errors",
    "OfflineLicenceStore": "drm_client.offline_store",
    "SealBroken": "drm_client.errors",
    "SignatureInvalid": "drm_client.errors",
    "TrustedClock": "drm_client.clock",
    "acquire_keys": "drm_client.acquire",
    "acquire_offline_licence": "drm_client.acquire",
    "download_licence": "drm_client.offline_fetch",
    "fetch_public_key": "drm_client.acquire",
    "load_device_key": "drm_client.device_key",
    "renew_online": "drm_client.offline_fetch",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)

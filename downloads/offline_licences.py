"""The offline licence of each download, through drm_client (persistent-license, windows, rollback).

drm_client does the cryptography and the rules (Ed25519 verification against the pinned server
key, rental and playback windows, the rollback-detecting ``TrustedClock``, keys sealed by the
device key and destroyed on expiry). This module is the downloads side of it: acquire with the
download, hand keys to offline playback, renew online, delete — and translate drm_client's errors
into this package's tree (``TitleExpired``, ``PlaybackLocked``, ``LicenceUnusable``).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import httpx

from drm_client import (
    ClockRollback,
    ClockStateFile,
    DeviceKey,
    DrmError,
    KeyRing,
    LicenceNotFound,
    LicenseExpired,
    OfflineLicenceStore,
    TrustedClock,
    download_licence,
    renew_online,
)

from downloads.errors import LicenceUnusable, PlaybackLocked, TitleExpired
from downloads.download_info import NO_LICENCE, LicenceView
from downloads.paths import DownloadPaths


@contextmanager
def _named() -> Iterator[None]:
    try:
        yield
    except LicenseExpired as exc:
        raise TitleExpired(str(exc)) from exc
    except ClockRollback as exc:
        raise PlaybackLocked(str(exc)) from exc
    except DrmError as exc:
        raise LicenceUnusable(f"{type(exc).__name__}: {exc}") from exc


class OfflineLicences:
    """Offline licences of this device (one SQLite file, keys sealed under the device key)."""

    def __init__(self, paths: DownloadPaths, device_key: DeviceKey, device_id: str, *,
                 wall_clock: Callable[[], float], tolerance_s: float = 300.0) -> None:
        self.device_id = device_id
        self.clock = TrustedClock(ClockStateFile(paths.clock_file, device_key), now=wall_clock,
                                  tolerance_s=tolerance_s)
        with _named():
            self.store = OfflineLicenceStore(paths.licence_db, device_key, self.clock, device_id=device_id)

    async def acquire(self, *, api_url: str, token: str, title_id: str, kids: Sequence[bytes],
                      client: httpx.AsyncClient | None = None) -> str:
        """A persistent licence for a title being downloaded; its id (``client``: the backend's, its TLS)."""
        with _named():
            licence = await download_licence(
                self.store, license_url=f"{api_url}/api/v1/license/offline",
                public_key_url=f"{api_url}/api/v1/license/public-key", kids=kids, token=token,
                title_id=title_id, device_id=self.device_id, client=client)
        return licence.license_id

    def keys_for_playback(self, license_id: str) -> KeyRing:
        """The content keys if the windows allow (records the first play)."""
        with _named():
            return self.store.keys_for_playback(license_id)

    async def renew(self, license_id: str, *, api_url: str, token: str, client: httpx.AsyncClient | None = None) -> str:
        """Online renewal: new windows, unlocks a rolled-back clock; the (new) licence id."""
        with _named():
            licence = await renew_online(self.store, license_id, license_url=f"{api_url}/api/v1/license/offline",
                                         token=token, device_id=self.device_id, client=client)
        return licence.license_id

    def view(self, license_id: str | None) -> LicenceView:
        """State for the list; an expiry noticed here destroys the keys (drm_client)."""
        if license_id is None:
            return NO_LICENCE
        try:
            with _named():
                status = self.store.status(license_id)
        except LicenceUnusable as exc:
            if isinstance(exc.__cause__, LicenceNotFound):
                return LicenceView(state="missing", remaining_s=None, rental_expires_at=None, playback_expires_at=None)
            raise
        return LicenceView(state=status.state, remaining_s=status.remaining_s,
                           rental_expires_at=status.rental_expires_at, playback_expires_at=status.playback_expires_at)

    def delete(self, license_id: str) -> None:
        """Wipe the licence and its keys (absent is fine)."""
        try:
            self.store.delete(license_id)
        except LicenceNotFound:
            pass
        except DrmError as exc:
            raise LicenceUnusable(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        self.store.close()

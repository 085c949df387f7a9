"""The online steps of offline licences: download with a title, renew before or after expiry.

Thin glue between ``acquire`` (HTTP) and ``OfflineLicenceStore`` (verification, sealing), so the
downloads manager makes one call per step. The server key is fetched once and pinned; after that
verification needs no network (layout contract: ``GET /api/v1/license/public-key``).
"""
from __future__ import annotations

from collections.abc import Sequence

import httpx

from drm_client.acquire import acquire_offline_licence, fetch_public_key
from drm_client.offline import OfflineLicence
from drm_client.offline_store import OfflineLicenceStore


async def download_licence(store: OfflineLicenceStore, *, license_url: str, public_key_url: str,
                           kids: Sequence[bytes], token: str, title_id: str, device_id: str,
                           client: httpx.AsyncClient | None = None) -> OfflineLicence:
    """Acquire a ``persistent-license`` for a title being downloaded and store it sealed."""
    if not store.has_public_key():
        store.pin_public_key(await fetch_public_key(public_key_url, client=client))
    response = await acquire_offline_licence(license_url, kids, token=token, title_id=title_id,
                                             device_id=device_id, client=client)
    return store.save(response, title_id)


async def renew_online(store: OfflineLicenceStore, license_id: str, *, license_url: str,
                       token: str, device_id: str,
                       client: httpx.AsyncClient | None = None) -> OfflineLicence:
    """Renew a stored licence (``renew_license_id``): new windows, unlocks a rolled-back clock."""
    current = store.licence(license_id)
    response = await acquire_offline_licence(license_url, list(current.kids), token=token,
                                             title_id=current.title_id, device_id=device_id,
                                             renew_license_id=license_id, client=client)
    return store.renew(license_id, response)

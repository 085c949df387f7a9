"""A stored sign-in for the download commands: the refresh token kept sealed by the device key.

Why (issue 19): a password sign-in costs the backend an argon2id hash (0.1–0.45 s here) on every
``reelbox download``; a refresh is one cheap request. So after a sign-in the refresh token is kept in
``<config dir>/sign-in.json``, wrapped (AES-256-GCM) by the same device key that wraps the download
keys, with the backend URL and account bound in as associated data — the file holds no token in
clear, and an entry cannot be moved to another backend or account. The next command trades it for a
fresh pair (the backend rotates refresh tokens) and stores the new one; when the stored token is
refused (expired, revoked, used twice by two commands at once) it signs in with the password again.
The access token lives only in memory. Tokens never reach a log or an error message.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from drm_client import DeviceKey, DeviceKeyError
from drm_client.clearkey import b64url_decode, b64url_encode
from player.backend import BackendClient, BackendRefused

from downloads.grant import tls_for

FILE_NAME = "sign-in.json"
_AAD = b"reelbox sign-in v1|"


def _entry_id(api_url: str, email: str) -> str:
    return hashlib.sha256(f"{api_url.rstrip('/')}\n{email.lower()}".encode()).hexdigest()[:32]


class SignInStore:
    """Sealed refresh tokens, one per (backend, account), in the config directory."""

    def __init__(self, config_dir: Path, device_key: DeviceKey) -> None:
        self.path = config_dir / FILE_NAME
        self._key = device_key

    def recall(self, api_url: str, email: str) -> str | None:
        """The stored refresh token for this backend and account, if one opens with this device's key."""
        entry = _entry_id(api_url, email)
        blob = self._entries().get(entry)
        if blob is None:
            return None
        try:
            return self._key.unwrap(b64url_decode(blob), aad=_AAD + entry.encode()).decode()
        except (DeviceKeyError, ValueError):
            return None  # damaged, or sealed by another device: sign in again

    def remember(self, api_url: str, email: str, refresh_token: str | None) -> None:
        """Keep ``refresh_token`` sealed (or forget the entry when there is none)."""
        entries = self._entries()
        entry = _entry_id(api_url, email)
        if refresh_token:
            entries[entry] = b64url_encode(self._key.wrap(refresh_token.encode(), aad=_AAD + entry.encode()))
        else:
            entries.pop(entry, None)
        _replace(self.path, json.dumps({"version": 1, "entries": entries}, indent=1).encode())

    def _entries(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            return {}
        return {str(k): str(v) for k, v in entries.items()}


def _replace(path: Path, data: bytes) -> None:
    """Atomic (rename) but not fsynced: this sits on the path to the first segment, where an fsync can wait
    hundreds of ms behind other files' writeback; a token lost to power loss costs one password sign-in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.asynccontextmanager
async def signed_in(api_url: str, credentials: tuple[str, str], store: SignInStore | None) -> AsyncIterator[BackendClient]:
    """A client signed in with the stored refresh token when it still works, else with the password."""
    email, password = credentials
    async with httpx.AsyncClient(timeout=10.0, verify=tls_for([api_url])) as http:
        client = BackendClient(api_url, client=http)
        stored = store.recall(api_url, email) if store is not None else None
        if stored is not None:
            try:
                await client.use_refresh_token(stored)
            except BackendRefused:  # expired, revoked or used twice (unreachable: the password would not do better)
                stored = None
        if stored is None:
            await client.login(email, password)
        if store is not None:
            store.remember(api_url, email, client.refresh_token)
        yield client

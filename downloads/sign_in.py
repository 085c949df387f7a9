"""A stored sign-in for the download commands: the token pair kept sealed by the device key.

Why (issue 19): a password sign-in costs the backend an argon2id hash (0.1–0.45 s here) on every
``reelbox download``; a refresh is one request more before the first segment. So after a sign-in the
pair is kept in ``<config dir>/sign-in.json``, wrapped (AES-256-GCM) by the same device key that wraps
the download keys, with the backend URL and account bound in as associated data — the file holds no
token in clear, and an entry cannot be moved to another backend or account. The next command uses the
access token as it is while it has at least :data:`ACCESS_MARGIN_S` left (its JWT ``exp``; the auth flow
still refreshes on a 401, and signs in with the password when that refresh is refused), else trades the refresh token for a fresh pair (the backend rotates refresh
tokens); when that is refused (expired, revoked, used twice by two commands at once) it signs in with
the password again. Whatever pair the command ends with is stored. Tokens never reach a log or an
error message.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import NamedTuple

import httpx
from drm_client import DeviceKey, DeviceKeyError
from drm_client.clearkey import b64url_decode, b64url_encode
from player.backend import BackendClient, BackendRefused

from downloads.grant import tls_for

FILE_NAME = "sign-in.json"
_AAD = b"reelbox sign-in v1|"
ACCESS_MARGIN_S = 60.0  # an access token with less left is not worth a request that may come back 401


class StoredSignIn(NamedTuple):
    """What an entry opens to: the refresh token, and the access token with its expiry (epoch s) when kept."""

    refresh: str
    access: str | None = None
    access_expires_at: float | None = None


def access_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT access token (RFC 7519 §4.1.4), read, not verified: only to skip a doomed reuse."""
    parts = token.split(".")
    try:
        claims = json.loads(b64url_decode(parts[1])) if len(parts) == 3 else None
    except ValueError:
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) else None


def _entry_id(api_url: str, email: str) -> str:
    return hashlib.sha256(f"{api_url.rstrip('/')}\n{email.lower()}".encode()).hexdigest()[:32]


class SignInStore:
    """Sealed refresh tokens, one per (backend, account), in the config directory."""

    def __init__(self, config_dir: Path, device_key: DeviceKey) -> None:
        self.path = config_dir / FILE_NAME
        self._key = device_key

    def recall(self, api_url: str, email: str) -> str | None:
        """The stored refresh token for this backend and account, if one opens with this device's key."""
        stored = self.recall_pair(api_url, email)
        return stored.refresh if stored is not None else None

    def recall_pair(self, api_url: str, email: str) -> StoredSignIn | None:
        """The stored pair for this backend and account, if one opens with this device's key."""
        entry = _entry_id(api_url, email)
        blob = self._entries().get(entry)
        if blob is None:
            return None
        try:
            text = self._key.unwrap(b64url_decode(blob), aad=_AAD + entry.encode()).decode()
        except (DeviceKeyError, ValueError):
            return None  # damaged, or sealed by another device: sign in again
        try:
            pair = json.loads(text)
        except ValueError:
            return StoredSignIn(text)  # stored by an earlier version: the refresh token alone
        if not isinstance(pair, dict) or not isinstance(pair.get("refresh"), str):
            return None
        access, expires = pair.get("access"), pair.get("access_expires_at")
        return StoredSignIn(pair["refresh"], access if isinstance(access, str) else None,
                            float(expires) if isinstance(expires, (int, float)) else None)

    def remember(self, api_url: str, email: str, refresh_token: str | None, access_token: str | None = None) -> None:
        """Keep the pair sealed (or forget the entry when there is no refresh token)."""
        entries = self._entries()
        entry = _entry_id(api_url, email)
        if refresh_token:
            pair = {"refresh": refresh_token, "access": access_token,
                    "access_expires_at": access_expiry(access_token) if access_token else None}
            sealed = self._key.wrap(json.dumps(pair).encode(), aad=_AAD + entry.encode())
            entries[entry] = b64url_encode(sealed)
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
async def signed_in(api_url: str, credentials: tuple[str, str], store: SignInStore | None,
                    clock: Callable[[], float] = time.time) -> AsyncIterator[BackendClient]:
    """A client signed in with the stored pair when it still works, else with the password; the pair it ends
    with (the auth flow may have refreshed it on the way) is stored."""
    email, password = credentials
    async with httpx.AsyncClient(timeout=10.0, verify=tls_for([api_url])) as http:
        client = BackendClient(api_url, client=http)
        client.keep_password(email, password)  # a kept pair the backend dropped must not fail the command
        stored = store.recall_pair(api_url, email) if store is not None else None
        if stored is not None and stored.access and (stored.access_expires_at or 0.0) > clock() + ACCESS_MARGIN_S:
            client.use_tokens(stored.access, stored.refresh)  # no request at all before the command's own
        elif stored is not None:
            try:
                await client.use_refresh_token(stored.refresh)
            except BackendRefused:  # expired, revoked or used twice (unreachable: the password would not do better)
                stored = None
        if stored is None:
            await client.login(email, password)
        kept = _keep(store, api_url, email, client, stored)  # now: a command killed mid-download keeps its new pair
        try:
            yield client
        finally:
            _keep(store, api_url, email, client, kept)  # a refresh by the auth flow on the way


def _keep(store: SignInStore | None, api_url: str, email: str, client: BackendClient,
          stored: StoredSignIn | None) -> StoredSignIn | None:
    """Store the client's pair unless it is ``stored`` already; what is stored now."""
    if store is None or client.refresh_token is None:
        return stored
    access = client.access_token if client.signed_in else None
    if stored is not None and (stored.refresh, stored.access) == (client.refresh_token, access):
        return stored
    store.remember(api_url, email, client.refresh_token, access)
    return StoredSignIn(client.refresh_token, access)

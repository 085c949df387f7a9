"""Server secrets, generated once per data directory and kept in ``DATA/secrets/`` (mode 0600).

- ``jwt.key``: HMAC key for HS256 access tokens.
- ``edge.key``: the edge URL signing secret (shared with the edges, layout contract).
- ``license-ed25519.pem``: the Ed25519 key that signs offline licences; clients pin the public half
  (``GET /license/public-key``) so losing it would invalidate every download.

Files are written with ``O_EXCL`` and 0600 from the start, so a secret is never world-readable even
for a moment; a restart reads the same values back.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@dataclass(frozen=True, kw_only=True)
class ServerSecrets:
    jwt_key: bytes
    edge_secret: bytes
    signing_key: Ed25519PrivateKey

    def public_key_raw(self) -> bytes:
        """The 32 raw bytes of the licence-signing public key."""
        return self.signing_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )


def _read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    data = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its value
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return data


def load_secrets(data_dir: Path) -> ServerSecrets:
    """Load the secrets of ``data_dir``, creating any that are missing."""
    folder = data_dir / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    jwt_key = _read_or_create(folder / "jwt.key", lambda: secrets.token_bytes(32))
    edge_secret = _read_or_create(folder / "edge.key", lambda: secrets.token_bytes(32))
    pem = _read_or_create(
        folder / "license-ed25519.pem",
        lambda: Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return ServerSecrets(jwt_key=jwt_key, edge_secret=edge_secret, signing_key=key)

"""The device key: 256 bits that seal everything this device stores (licence keys, per-asset keys).

Where it lives, in order of preference:

1. **The OS keyring** (``keyring``: Secret Service, macOS Keychain, Windows Credential Locker), as
   base64url under service ``reelbox`` / user ``device-key``. The key never touches our folders.
2. **Fallback, when no keyring backend exists** (``keyring`` raises ``NoKeyringError`` — headless
   boxes and kiosks have no Secret Service) or the only backend stores secrets in plaintext
   (``keyrings.alt`` ``PlaintextKeyring``): the key is kept *wrapped* (AES-256-GCM) in
   ``<config dir>/device-key.json``. The wrapping key is derived with HKDF-SHA256 from
   machine-bound secrets: ``/etc/machine-id`` plus, when set, ``REELBOX_DEVICE_SECRET`` (hex or
   base64url, ≥ 16 bytes — the hook for a TPM-unsealed or provisioning secret), salted with 16
   random bytes generated at install time and stored in the same config file.

The config directory is separate from the data directory (downloads, licences), so the content
never sits beside anything that opens it.

What the fallback protects against:
- copying the download/data folder (or a backup of it) to another machine: the sealed keys need
  the device key, which is in the config dir and only unwraps with this machine's ``machine-id``
  (and the provisioning secret when one is used);
- copying data *and* config folders to another machine: ``machine-id`` differs → ``SealBroken``;
- casual file browsing or indexing: no plaintext key or media key is on disk anywhere.

What it does not protect against:
- root (or the same user) on the same box: they can read ``/etc/machine-id``, the salt and the
  wrapped key, and derive the device key exactly as we do. Only a TPM-bound secret that the OS
  releases to our process alone (``REELBOX_DEVICE_SECRET`` from a sealed unit) raises that bar,
  and even then a debugger on our process sees the keys in memory;
- cloning a whole disk image including ``/etc/machine-id`` (golden-image kiosks should regenerate
  it with ``systemd-machine-id-setup``, which also invalidates this fallback — by design).

Which backend was chosen is recorded in the same config file, so a device created with the
keyring never silently switches to a new fallback key (that would orphan every download): a
keyring that later disappears raises ``DeviceKeyError`` instead.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from drm_client.atomic_file import write_atomic
from drm_client.clearkey import b64url_decode, b64url_encode
from drm_client.errors import DeviceKeyError, SealBroken

log = logging.getLogger(__name__)

Backend = Literal["auto", "keyring", "file"]

KEY_BYTES = 32
NONCE_BYTES = 12
_BLOB_VERSION = 1
_CONFIG_NAME = "device-key.json"
_WRAP_INFO = b"reelbox/device-key-wrap/v1"
_WRAP_AAD = b"reelbox device key v1"
SECRET_ENV = "REELBOX_DEVICE_SECRET"
MACHINE_ID_PATH = Path("/etc/machine-id")


class DeviceKey:
    """A 256-bit AES-GCM key that wraps other keys; its bytes are never shown or pickled."""

    __slots__ = ("_aead", "source")

    def __init__(self, key: bytes, *, source: str) -> None:
        if len(key) != KEY_BYTES:
            raise DeviceKeyError(f"device key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(bytes(key))
        self.source = source
        """Where the key came from: ``"keyring"``, ``"file"`` or ``"memory"`` (tests)."""

    @classmethod
    def generate(cls, *, source: str = "memory") -> DeviceKey:
        """A fresh random key (tests, or a first install)."""
        return cls(secrets.token_bytes(KEY_BYTES), source=source)

    def wrap(self, key: bytes, *, aad: bytes = b"") -> bytes:
        """Seal ``key`` (any short secret): ``version(1) | nonce(12) | ciphertext+tag``.

        ``aad`` binds the blob to its context (e.g. the asset id) so it cannot be moved elsewhere.
        """
        nonce = secrets.token_bytes(NONCE_BYTES)
        return bytes([_BLOB_VERSION]) + nonce + self._aead.encrypt(nonce, bytes(key), aad)

    def unwrap(self, blob: bytes, *, aad: bytes = b"") -> bytes:
        """Open a blob from ``wrap``; ``SealBroken`` if it was altered or sealed by another key."""
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[0] != _BLOB_VERSION:
            raise SealBroken("wrapped blob is truncated or of an unknown version")
        try:
            return self._aead.decrypt(blob[1:1 + NONCE_BYTES], bytes(blob[1 + NONCE_BYTES:]), aad)
        except InvalidTag as exc:
            raise SealBroken("wrapped blob failed authentication") from exc

    def __repr__(self) -> str:
        return f"DeviceKey(source={self.source!r}, key=<redacted>)"

    __str__ = __repr__

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("DeviceKey cannot be pickled")


def load_device_key(config_dir: Path, *, backend: Backend = "auto", service: str = "reelbox",
                    username: str = "device-key", machine_id_path: Path = MACHINE_ID_PATH,
                    env: Mapping[str, str] = os.environ) -> DeviceKey:
    """Load this device's key, creating it on first use.

    ``backend="auto"`` follows the choice recorded in ``config_dir`` or, on a first run, uses the
    OS keyring when one exists and the wrapped-file fallback otherwise. ``"keyring"`` and
    ``"file"`` force one path (tests and kiosk images choose explicitly).
    """
    record = _read_record(config_dir)
    chosen = record.get("backend") if record else None
    if backend != "auto" and chosen and chosen != backend:
        raise DeviceKeyError(f"this device's key is held by the {chosen!r} backend, not {backend!r}")
    if backend == "keyring" or chosen == "keyring":
        key = _from_keyring(service, username, create=record is None)
        if record is None:
            _write_record(config_dir, {"backend": "keyring", "service": service, "username": username})
        return key
    if backend == "file" or chosen == "file":
        return _from_file(config_dir, record, machine_id_path, env)
    try:
        key = _from_keyring(service, username, create=True)
    except _NoUsableKeyring as exc:
        log.warning("no usable OS keyring (%s): device key kept wrapped in %s", exc, config_dir)
        return _from_file(config_dir, None, machine_id_path, env)
    _write_record(config_dir, {"backend": "keyring", "service": service, "username": username})
    return key


class _NoUsableKeyring(DeviceKeyError):
    """No keyring backend, or one that would keep the key in plaintext."""


def _from_keyring(service: str, username: str, *, create: bool) -> DeviceKey:
    # Imported here: finding the keyring's backend scans entry points (~0.2 s when none works), and a
    # device whose record names the file fallback never needs it (the probe's verdict is that record).
    import keyring
    import keyring.errors

    backend = keyring.get_keyring()
    if "plaintext" in type(backend).__name__.lower():
        raise _NoUsableKeyring(f"keyring backend {type(backend).__name__} stores plaintext")
    try:
        stored = keyring.get_password(service, username)
        if stored is None:
            if not create:
                raise DeviceKeyError("the device key recorded in the keyring is missing")
            stored = b64url_encode(secrets.token_bytes(KEY_BYTES))
            keyring.set_password(service, username, stored)
            if keyring.get_password(service, username) != stored:
                raise _NoUsableKeyring(f"keyring backend {type(backend).__name__} did not keep the key")
    except keyring.errors.NoKeyringError as exc:
        raise _NoUsableKeyring("no keyring backend") from exc
    except keyring.errors.KeyringError as exc:
        raise DeviceKeyError(f"keyring failed: {type(exc).__name__}") from exc
    try:
        raw = b64url_decode(stored)
    except ValueError as exc:
        raise DeviceKeyError("the keyring entry is not a device key") from exc
    return DeviceKey(raw, source="keyring")


def _from_file(config_dir: Path, record: dict[str, object] | None, machine_id_path: Path,
               env: Mapping[str, str]) -> DeviceKey:
    if record is None:
        salt = secrets.token_bytes(16)
        key = secrets.token_bytes(KEY_BYTES)
        uses_secret = bool(env.get(SECRET_ENV))
        wrapper = AESGCM(_wrapping_key(salt, machine_id_path, env))
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = nonce + wrapper.encrypt(nonce, key, _WRAP_AAD)
        _write_record(config_dir, {"backend": "file", "kdf": "HKDF-SHA256(machine-id+secret)",
                                   "salt": b64url_encode(salt), "wrapped": b64url_encode(sealed),
                                   "uses_secret": uses_secret})
        return DeviceKey(key, source="file")
    try:
        salt = b64url_decode(str(record["salt"]))
        sealed = b64url_decode(str(record["wrapped"]))
    except (KeyError, ValueError) as exc:
        raise DeviceKeyError(f"{config_dir / _CONFIG_NAME} is damaged") from exc
    if record.get("uses_secret") and not env.get(SECRET_ENV):
        raise DeviceKeyError(f"the device key was wrapped with {SECRET_ENV}, which is not set")
    wrapper = AESGCM(_wrapping_key(salt, machine_id_path, env))
    try:
        key = wrapper.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _WRAP_AAD)
    except InvalidTag as exc:
        raise SealBroken("the wrapped device key does not open on this machine "
                         "(machine-id or device secret changed, or the file was altered)") from exc
    return DeviceKey(key, source="file")


def _wrapping_key(salt: bytes, machine_id_path: Path, env: Mapping[str, str]) -> bytes:
    """HKDF-SHA256 (RFC 5869) over the machine id and the optional provisioned secret."""
    try:
        machine_id = machine_id_path.read_bytes().strip()
    except OSError as exc:
        raise DeviceKeyError(f"cannot read {machine_id_path}") from exc
    if not machine_id:
        raise DeviceKeyError(f"{machine_id_path} is empty")
    secret = _provisioned_secret(env)
    ikm = b"machine-id:" + machine_id + b"\x00secret:" + secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_WRAP_INFO).derive(ikm)


def _provisioned_secret(env: Mapping[str, str]) -> bytes:
    text = env.get(SECRET_ENV, "").strip()
    if not text:
        return b""
    try:
        raw = bytes.fromhex(text) if all(c in "0123456789abcdefABCDEF" for c in text) else b64url_decode(text)
    except ValueError as exc:
        raise DeviceKeyError(f"{SECRET_ENV} is neither hex nor base64url") from exc
    if len(raw) < 16:
        raise DeviceKeyError(f"{SECRET_ENV} must hold at least 16 random bytes")
    return raw


def _read_record(config_dir: Path) -> dict[str, object] | None:
    path = config_dir / _CONFIG_NAME
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DeviceKeyError(f"{path} is unreadable") from exc
    if not isinstance(data, dict) or data.get("backend") not in ("keyring", "file"):
        raise DeviceKeyError(f"{path} is damaged")
    return data


def _write_record(config_dir: Path, record: dict[str, object]) -> None:
    write_atomic(config_dir / _CONFIG_NAME,
                 json.dumps({"version": 1, **record}, indent=1).encode(), mode=0o600)

"""The device key: OS keyring path, the wrapped-file fallback, wrap/unwrap."""
from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from testkit import MemoryKeyring

from drm_client import DeviceKey, DeviceKeyError, SealBroken, load_device_key
from drm_client.clearkey import b64url_decode, b64url_encode
from drm_client.device_key import _WRAP_AAD, _wrapping_key


class PlaintextKeyring(MemoryKeyring):
    """Stands for keyrings.alt's PlaintextKeyring, which we must refuse."""


@pytest.fixture
def set_backend() -> Iterator[object]:
    """Set a keyring backend for one test and restore the previous one."""
    before = keyring.get_keyring()

    def choose(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield choose
    keyring.set_keyring(before)


@pytest.fixture
def machine_id(tmp_path: Path) -> Path:
    path = tmp_path / "machine-id"
    path.write_text("3d1219c7c4c5404aaa1f6d2a48adfda4\n")
    return path


def probe(key: DeviceKey) -> bytes:
    """Something wrapped by ``key``, to tell two device keys apart without reading them."""
    return key.wrap(b"probe-secret-16b", aad=b"probe")


def test_keyring_backend_holds_the_key(tmp_path: Path, set_backend, machine_id: Path) -> None:  # type: ignore[no-untyped-def]
    """With a keyring, the key lives there (base64url, 32 bytes) and is the same on reload."""
    ring = set_backend(MemoryKeyring())
    config = tmp_path / "config"
    first = load_device_key(config, backend="keyring", machine_id_path=machine_id)
    assert first.source == "keyring"
    stored = ring.store[("reelbox", "device-key")]
    assert len(b64url_decode(stored)) == 32
    again = load_device_key(config, machine_id_path=machine_id)  # auto follows the record
    assert again.unwrap(probe(first), aad=b"probe") == b"probe-secret-16b"
    record = (config / "device-key.json").read_text()
    assert json.loads(record)["backend"] == "keyring"
    assert stored not in record and b64url_decode(stored) not in (config / "device-key.json").read_bytes()


def test_recorded_keyring_that_vanished_is_an_error(tmp_path: Path, set_backend, machine_id: Path) -> None:  # type: ignore[no-untyped-def]
    """A device created with the keyring never silently falls back to a new key."""
    set_backend(MemoryKeyring())
    load_device_key(tmp_path, machine_id_path=machine_id)
    set_backend(keyring.backends.fail.Keyring())
    with pytest.raises(DeviceKeyError):
        load_device_key(tmp_path, machine_id_path=machine_id)


def test_no_keyring_falls_back_to_wrapped_file(tmp_path: Path, set_backend, machine_id: Path) -> None:  # type: ignore[no-untyped-def]
    """With keyring's fail backend (NoKeyringError), auto uses the wrapped file; it reloads the same key."""
    set_backend(keyring.backends.fail.Keyring())
    first = load_device_key(tmp_path, machine_id_path=machine_id, env={})
    assert first.source == "file"
    again = load_device_key(tmp_path, machine_id_path=machine_id, env={})
    assert again.unwrap(probe(first), aad=b"probe") == b"probe-secret-16b"


def test_plaintext_keyring_is_refused(tmp_path: Path, set_backend, machine_id: Path) -> None:  # type: ignore[no-untyped-def]
    """A keyring that stores plaintext is skipped: nothing is written to it, the fallback is used."""
    ring = set_backend(PlaintextKeyring())
    key = load_device_key(tmp_path, machine_id_path=machine_id, env={})
    assert key.source == "file" and ring.store == {}


def test_fallback_file_holds_no_plaintext_key(tmp_path: Path, machine_id: Path) -> None:
    """The fallback file contains neither the raw key nor any encoding of it."""
    config = tmp_path / "config"
    key = load_device_key(config, backend="file", machine_id_path=machine_id, env={})
    # Recover the real key the way root on this machine could, then look for it on disk.
    record = json.loads((config / "device-key.json").read_text())
    sealed = b64url_decode(record["wrapped"])
    raw = AESGCM(_wrapping_key(b64url_decode(record["salt"]), machine_id, {})).decrypt(
        sealed[:12], sealed[12:], _WRAP_AAD)
    assert DeviceKey(raw, source="x").unwrap(probe(key), aad=b"probe") == b"probe-secret-16b"
    for path in config.rglob("*"):
        data = path.read_bytes()
        for spelling in (raw, raw.hex().encode(), b64url_encode(raw).encode()):
            assert spelling not in data, f"plaintext device key found in {path}"
    assert oct((config / "device-key.json").stat().st_mode & 0o777) == "0o600"


def test_fallback_does_not_open_on_another_machine(tmp_path: Path, machine_id: Path) -> None:
    """A copied config folder fails on a machine with another machine-id (SealBroken)."""
    load_device_key(tmp_path, backend="file", machine_id_path=machine_id, env={})
    other = tmp_path / "other-machine-id"
    other.write_text("0" * 32 + "\n")
    with pytest.raises(SealBroken):
        load_device_key(tmp_path, backend="file", machine_id_path=other, env={})


def test_fallback_with_provisioned_secret(tmp_path: Path, machine_id: Path) -> None:
    """A key wrapped with REELBOX_DEVICE_SECRET needs that secret (and the right one) to open."""
    env = {"REELBOX_DEVICE_SECRET": "11" * 32}
    first = load_device_key(tmp_path, backend="file", machine_id_path=machine_id, env=env)
    again = load_device_key(tmp_path, backend="file", machine_id_path=machine_id, env=env)
    assert again.unwrap(probe(first), aad=b"probe") == b"probe-secret-16b"
    with pytest.raises(DeviceKeyError):
        load_device_key(tmp_path, backend="file", machine_id_path=machine_id, env={})
    with pytest.raises(SealBroken):
        load_device_key(tmp_path, backend="file", machine_id_path=machine_id,
                        env={"REELBOX_DEVICE_SECRET": "22" * 32})


def test_wrap_unwrap_and_tamper() -> None:
    """wrap/unwrap round-trips; a flipped byte, wrong AAD or another device key → SealBroken."""
    key = DeviceKey.generate()
    secret = bytes(range(32))
    blob = key.wrap(secret, aad=b"asset-1")
    assert secret not in blob and key.unwrap(blob, aad=b"asset-1") == secret
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    for bad_blob, aad, device in ((bytes(flipped), b"asset-1", key), (blob, b"asset-2", key),
                                  (blob, b"asset-1", DeviceKey.generate())):
        with pytest.raises(SealBroken):
            device.unwrap(bad_blob, aad=aad)


def test_device_key_is_redacted_and_unpicklable() -> None:
    """repr hides the key; pickling is refused."""
    key = DeviceKey.generate()
    assert "redacted" in repr(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)

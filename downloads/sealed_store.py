"""The sealed store on disk: one sealed file per segment slot, written atomically.

Layout: ``<root>/<asset id>/<track>/<index>.seg`` (index 0 is the init segment, 1..N the media
segments in order). Each file is ``SegmentSealer.seal`` output, so nothing stored is plaintext media.

Crash safety (issue 5: "a kill -9 at any moment leaves a store that resumes and in which every
stored segment authenticates"): a slot is sealed into a temporary name in the same folder
(:meth:`stage`); a batch of staged slots is then fsynced, renamed over the final names (POSIX
``rename(2)`` is atomic) and their folders fsynced (:meth:`commit`); only then does the caller record
the batch as done in SQLite. After a crash there can be (a) leftover temporary files — :meth:`sweep`
removes them — and (b) final files not yet recorded — :meth:`adopt` accepts them if they
authenticate (and have the exact size when the manifest gave one), which also keeps the nonce-once
rule of ``sealing``.

The per-asset key is random (32 bytes) and stored only wrapped by the device key
(``drm_client.DeviceKey.wrap``) with the asset id as associated data: the key blob of one asset
cannot be moved to another, and a copy of the folder is useless without the device key.
"""
from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from drm_client import DeviceKey, DeviceKeyError

from downloads.errors import DiskFull, SealError, SegmentMissing, SegmentTampered, StorageError
from downloads.sealing import KEY_BYTES, SegmentSealer

_TMP_SUFFIX = ".tmp"
_KEY_AAD = b"reelbox asset key v1|"
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def new_wrapped_asset_key(device_key: DeviceKey, asset_id: str) -> bytes:
    """A fresh random asset key, returned only wrapped by the device key."""
    return device_key.wrap(secrets.token_bytes(KEY_BYTES), aad=_KEY_AAD + asset_id.encode())


def open_sealer(device_key: DeviceKey, asset_id: str, wrapped_key: bytes) -> SegmentSealer:
    """The sealer for an asset, unwrapping its key (``SealError`` if the blob is not this asset's)."""
    try:
        key = device_key.unwrap(wrapped_key, aad=_KEY_AAD + asset_id.encode())
    except DeviceKeyError as exc:
        raise SealError(f"the key of download {asset_id} does not open with this device's key") from exc
    return SegmentSealer(asset_id, key)


@dataclass(frozen=True, kw_only=True, slots=True)
class Staged:
    """A sealed slot in its temporary file, waiting for ``SealedStore.commit``."""

    track: int
    index: int
    tmp: Path
    plain_bytes: int
    sealed_bytes: int


def _storage_error(exc: OSError, what: str) -> StorageError:
    if exc.errno in _FULL:
        return DiskFull(f"the disk is full while storing segment {what}")
    return StorageError(f"cannot store segment {what}: {exc.strerror}")


class SealedStore:
    """The sealed files of one asset."""

    def __init__(self, root: Path, sealer: SegmentSealer, *, fsync: bool = True) -> None:
        self.sealer = sealer
        self.folder = root / sealer.asset_id
        self._fsync = fsync

    def path(self, track: int, index: int) -> Path:
        return self.folder / str(track) / f"{index}.seg"

    def write(self, track: int, index: int, plaintext: bytes) -> int:
        """Seal and store one slot durably at once; the number of bytes on disk."""
        staged = self.stage(track, index, plaintext)
        self.commit([staged])
        return staged.sealed_bytes

    def stage(self, track: int, index: int, plaintext: bytes) -> Staged:
        """Seal a slot into its temporary file, not yet durable nor visible (``commit`` makes it so).

        ``DiskFull`` when the disk fills (the temporary file is removed first)."""
        sealed = self.sealer.seal(track, index, plaintext)
        final = self.path(track, index)
        tmp = final.with_name(f".{final.name}.{os.getpid()}{_TMP_SUFFIX}")
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                view = memoryview(sealed)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise _storage_error(exc, f"{track}/{index}") from exc
        return Staged(track=track, index=index, tmp=tmp, plain_bytes=len(plaintext), sealed_bytes=len(sealed))

    def commit(self, batch: Sequence[Staged]) -> None:
        """Make a batch of staged slots durable: fsync each file, rename it into place, fsync each folder once.

        Paid per batch rather than per slot (issue 19): the folder syncs and, above all, the caller's one
        SQLite commit after this. A failure removes the batch's files not yet renamed; renamed ones are
        whole and sealed, so a later ``adopt`` takes them."""
        folders: set[Path] = set()
        renamed = 0
        try:
            for item in batch:
                if self._fsync:
                    fd = os.open(item.tmp, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            for item in batch:
                final = self.path(item.track, item.index)
                os.replace(item.tmp, final)
                renamed += 1
                folders.add(final.parent)
            if self._fsync:
                for folder in folders:
                    dir_fd = os.open(folder, os.O_RDONLY)
                    try:
                        os.fsync(dir_fd)
                    finally:
                        os.close(dir_fd)
        except OSError as exc:
            for item in batch[renamed:]:
                item.tmp.unlink(missing_ok=True)
            raise _storage_error(exc, f"{len(batch)} slots") from exc

    def read(self, track: int, index: int) -> bytes:
        """The plaintext of a stored slot; ``SegmentMissing`` or ``SegmentTampered``."""
        try:
            sealed = self.path(track, index).read_bytes()
        except FileNotFoundError:
            raise SegmentMissing(f"segment {track}/{index} of {self.sealer.asset_id} is not stored") from None
        except OSError as exc:
            raise SegmentMissing(f"segment {track}/{index} cannot be read: {exc.strerror}") from exc
        return self.sealer.open(track, index, sealed)

    def adopt(self, track: int, index: int, expected_size: int | None) -> int | None:
        """After a crash: the plaintext size of a slot written but not recorded, if it authenticates (and has
        ``expected_size`` when the manifest gave an exact one); otherwise the file is removed and ``None``
        returned (the slot is fetched again). Authentication proves it whole: the seal covers every byte."""
        path = self.path(track, index)
        if not path.exists():
            return None
        try:
            plain = self.read(track, index)
        except SealError:
            path.unlink(missing_ok=True)
            return None
        if expected_size is not None and len(plain) != expected_size:
            path.unlink(missing_ok=True)
            return None
        return len(plain)

    def sweep(self) -> int:
        """Remove temporary files a crash left behind; how many."""
        removed = 0
        if self.folder.is_dir():
            for tmp in self.folder.rglob(f"*{_TMP_SUFFIX}"):
                tmp.unlink(missing_ok=True)
                removed += 1
        return removed

    def verify(self, track: int, index: int) -> None:
        """Raise unless the slot authenticates."""
        self.read(track, index)

    def wipe(self) -> None:
        """Delete every file of the asset."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.rglob("*") if p.is_file()) if self.folder.is_dir() else []


__all__ = ["SealedStore", "SegmentTampered", "Staged", "new_wrapped_asset_key", "open_sealer"]

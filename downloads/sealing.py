"""Sealing one segment: AES-256-GCM (NIST SP 800-38D) under the asset's key. Pure: no I/O, no clock.

Why these choices (issue 5, "Sealed store"):
- **Nonce from the slot.** The 96-bit nonce is ``track (32 bits) ‖ index (64 bits)``: unique per
  slot of an asset, so the per-asset key never sees one nonce twice as long as a slot is sealed
  once. The store guarantees that: a slot that already holds a sealed file that authenticates is
  adopted on resume, never re-sealed (GCM nonce reuse with different plaintext would leak the
  authentication key), and a fresh key is drawn whenever an asset id is reused after deletion.
- **Associated data binds the slot.** ``"reelbox-seg-v1" ‖ asset id ‖ track ‖ index``: a file moved
  to another index, track or asset (or replayed from an earlier download of the same title) fails
  authentication even before the nonce would differ.
- A 4-byte magic ``RBS1`` starts every sealed file so the store can tell its own files (and their
  version) from anything else; it is not an MP4 box type.

``SegmentSealer.seal``/``open`` work on whole segments (a segment is at most a few MB and AES-GCM
runs at GB/s); the seal is the same bytes whether it ends up in a file or in a test's memory.
"""
from __future__ import annotations

import struct
from typing import NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from downloads.errors import SegmentTampered

MAGIC = b"RBS1"
TAG_BYTES = 16
OVERHEAD = len(MAGIC) + TAG_BYTES
KEY_BYTES = 32
_AAD_LABEL = b"reelbox-seg-v1"


def slot_nonce(track: int, index: int) -> bytes:
    """The 12-byte GCM nonce of slot (``track``, ``index``)."""
    if not (0 <= track < 2**32 and 0 <= index < 2**64):
        raise ValueError("track or index out of range")
    return struct.pack(">IQ", track, index)


def slot_aad(asset_id: str, track: int, index: int) -> bytes:
    """The associated data that binds a sealed segment to its asset, track and index."""
    asset = asset_id.encode()
    return _AAD_LABEL + struct.pack(">H", len(asset)) + asset + struct.pack(">IQ", track, index)


class SegmentSealer:
    """Seals and opens the segments of one asset; holds the asset key, never shows it."""

    __slots__ = ("_aead", "asset_id")

    def __init__(self, asset_id: str, asset_key: bytes) -> None:
        if len(asset_key) != KEY_BYTES:
            raise ValueError(f"an asset key is {KEY_BYTES} bytes")
        self._aead = AESGCM(bytes(asset_key))
        self.asset_id = asset_id

    def seal(self, track: int, index: int, plaintext: bytes) -> bytes:
        """``MAGIC ‖ ciphertext ‖ tag`` for slot (``track``, ``index``)."""
        return MAGIC + self._aead.encrypt(slot_nonce(track, index), plaintext, slot_aad(self.asset_id, track, index))

    def open(self, track: int, index: int, sealed: bytes) -> bytes:
        """The plaintext of slot (``track``, ``index``); ``SegmentTampered`` if it does not authenticate here."""
        if len(sealed) < OVERHEAD or sealed[: len(MAGIC)] != MAGIC:
            raise SegmentTampered(f"segment {track}/{index} of {self.asset_id} is not a sealed segment")
        try:
            return self._aead.decrypt(slot_nonce(track, index), sealed[len(MAGIC):],
                                      slot_aad(self.asset_id, track, index))
        except InvalidTag:
            raise SegmentTampered(
                f"segment {track}/{index} of {self.asset_id} failed authentication (altered, or moved from another slot)"
            ) from None

    def __repr__(self) -> str:
        return f"SegmentSealer(asset_id={self.asset_id!r}, key=<redacted>)"

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("SegmentSealer holds a key and cannot be pickled")

"""The sealing primitive and the sealed store on their own (no network)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drm_client import DeviceKey
from downloads import SealError, SegmentMissing, SegmentTampered
from downloads.sealed_store import SealedStore, new_wrapped_asset_key, open_sealer
from downloads.sealing import OVERHEAD, SegmentSealer, slot_nonce

KEY = bytes(range(32))


@settings(max_examples=60, deadline=None)
@given(track=st.integers(0, 2**32 - 1), index=st.integers(0, 2**40), body=st.binary(max_size=2048))
def test_seal_open_roundtrip(track: int, index: int, body: bytes) -> None:
    """Whatever is sealed into a slot opens from that slot, with a fixed overhead."""
    sealer = SegmentSealer("asset-a", KEY)
    sealed = sealer.seal(track, index, body)
    assert len(sealed) == len(body) + OVERHEAD
    assert sealer.open(track, index, sealed) == body


@pytest.mark.parametrize("where", ["index", "track", "asset", "flip", "truncate"])
def test_any_move_or_change_fails(where: str) -> None:
    """A sealed segment opened from another index, track or asset, or altered, raises SegmentTampered."""
    sealer = SegmentSealer("asset-a", KEY)
    sealed = sealer.seal(1, 5, b"\x00\x00\x00\x18ftypisom" * 10)
    with pytest.raises(SegmentTampered):
        if where == "index":
            sealer.open(1, 6, sealed)
        elif where == "track":
            sealer.open(2, 5, sealed)
        elif where == "asset":
            SegmentSealer("asset-b", KEY).open(1, 5, sealed)
        elif where == "flip":
            sealer.open(1, 5, sealed[:10] + bytes([sealed[10] ^ 1]) + sealed[11:])
        else:
            sealer.open(1, 5, sealed[:-1])


def test_nonces_are_distinct_per_slot() -> None:
    """The nonce is a function of (track, index) only and differs between slots."""
    nonces = {slot_nonce(t, i) for t in range(4) for i in range(256)}
    assert len(nonces) == 4 * 256 and all(len(n) == 12 for n in nonces)
    assert "key=<redacted>" in repr(SegmentSealer("a", KEY))


def test_wrapped_asset_key_is_bound_to_asset_and_device(tmp_path: Path) -> None:
    """An asset key blob opens only for its asset id and with the device key that wrapped it."""
    device = DeviceKey.generate()
    blob = new_wrapped_asset_key(device, "asset-a")
    assert open_sealer(device, "asset-a", blob).asset_id == "asset-a"
    with pytest.raises(SealError):
        open_sealer(device, "asset-b", blob)
    with pytest.raises(SealError):
        open_sealer(DeviceKey.generate(), "asset-a", blob)


def test_store_writes_atomically_and_sweeps_leftovers(tmp_path: Path) -> None:
    """A write leaves only the final file; leftover temp files are swept; a whole unrecorded file is adopted."""
    store = SealedStore(tmp_path, SegmentSealer("asset-a", KEY))
    body = os.urandom(5000)
    assert store.write(0, 1, body) == len(body) + OVERHEAD
    assert [p.name for p in store.files()] == ["1.seg"]
    (store.folder / "0" / ".2.seg.999.tmp").write_bytes(b"partial")
    assert store.sweep() == 1 and [p.name for p in store.files()] == ["1.seg"]
    assert store.adopt(0, 1, len(body)) == len(body) and store.adopt(0, 1, None) == len(body)
    assert store.adopt(0, 1, len(body) + 1) is None and not store.path(0, 1).exists()  # wrong size: refetch
    with pytest.raises(SegmentMissing):
        store.read(0, 1)

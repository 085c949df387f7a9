"""Offline licences with an injected clock: windows, rollback lock, renewal, deletion, tampering."""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from drm_client import (
    ClockRollback,
    ClockStateFile,
    DeviceKey,
    LicenceNotFound,
    LicenseExpired,
    OfflineLicenceStore,
    SignatureInvalid,
    TrustedClock,
    download_licence,
    renew_online,
)

from drm_licence_server import DAY, LicenceServer, ManualClock, b64  # type: ignore[import-not-found]

HOUR = 3600.0


@dataclass
class World:
    """One device: its key, clock, licence store, and the server it talks to."""

    tmp: Path
    server: LicenceServer
    device_key: DeviceKey
    wall: ManualClock
    store: OfflineLicenceStore

    @property
    def db_path(self) -> Path:
        return self.tmp / "data" / "licences.sqlite"

    def restart(self) -> OfflineLicenceStore:
        """A new process: new clock and store objects over the same files."""
        self.store.close()
        clock = TrustedClock(ClockStateFile(self.tmp / "config" / "clock", self.device_key), now=self.wall)
        self.store = OfflineLicenceStore(self.db_path, self.device_key, clock)
        return self.store

    def download(self, title: str = "film") -> tuple[str, dict[bytes, bytes]]:
        """Acquire an offline licence over real HTTP and store it; returns (licence id, keys)."""
        kids = self.server.state.add_title(title)
        licence = asyncio.run(download_licence(
            self.store, license_url=self.server.offline_url, public_key_url=self.server.public_key_url,
            kids=kids, token="tok-premium", title_id=title, device_id="box-1"))
        return licence.license_id, {k: self.server.state.keys[k] for k in kids}

    def renew(self, license_id: str) -> None:
        asyncio.run(renew_online(self.store, license_id, license_url=self.server.offline_url,
                                 token="tok-premium", device_id="box-1"))

    def at(self, t: float) -> None:
        """Move both the device clock and the server clock to ``t`` (time really passing)."""
        self.wall.t = t
        self.server.state.now = t

    def files_bytes(self) -> bytes:
        return b"".join(p.read_bytes() for p in self.db_path.parent.iterdir() if p.is_file())


@pytest.fixture
def world(tmp_path: Path, licence_server: LicenceServer) -> World:
    device_key = DeviceKey.generate()
    wall = ManualClock(licence_server.state.now)
    clock = TrustedClock(ClockStateFile(tmp_path / "config" / "clock", device_key), now=wall)
    store = OfflineLicenceStore(tmp_path / "data" / "licences.sqlite", device_key, clock)
    return World(tmp=tmp_path, server=licence_server, device_key=device_key, wall=wall, store=store)


def assert_no_key_bytes(data: bytes, keys: dict[bytes, bytes]) -> None:
    for key in keys.values():
        for spelling in (key, key.hex().encode(), b64(key).encode()):
            assert spelling not in data


def test_valid_licence_gives_keys_and_records_first_play(world: World) -> None:
    """A fresh licence is valid for its rental; playing returns the keys and starts the 48 h window."""
    lid, keys = world.download()
    t0 = world.wall.t
    status = world.store.status(lid)
    assert (status.state, status.first_play_at) == ("valid", None)
    assert status.remaining_s == pytest.approx(30 * DAY)
    world.at(t0 + DAY)
    ring = world.store.keys_for_playback(lid)
    assert {k: ring.key_for(k) for k in ring.kids} == keys
    status = world.store.status(lid)
    assert status.first_play_at == pytest.approx(t0 + DAY)
    assert status.remaining_s == pytest.approx(48 * HOUR)


def test_keys_are_sealed_at_rest(world: World) -> None:
    """The SQLite file holds no content key in any spelling."""
    lid, keys = world.download()
    world.store.keys_for_playback(lid)
    assert_no_key_bytes(world.files_bytes(), keys)


def test_rental_expiry_destroys_keys(world: World) -> None:
    """Past rental_expires_at (never played) → LicenseExpired, status expired, sealed keys wiped."""
    lid, keys = world.download()
    world.at(world.wall.t + 30 * DAY - 1)
    assert world.store.status(lid).state == "valid"
    world.at(world.wall.t + 2)
    with pytest.raises(LicenseExpired, match="rental"):
        world.store.keys_for_playback(lid)
    assert world.store.status(lid).state == "expired"
    row = sqlite3.connect(world.db_path).execute("SELECT sealed, expired FROM licences").fetchone()
    assert row == (None, 1)
    with pytest.raises(LicenseExpired):  # stays expired, even if the clock were fine
        world.store.keys_for_playback(lid)


def test_playback_window_after_first_play(world: World) -> None:
    """48 h after the first play the licence expires, long before the 30-day rental ends."""
    lid, _ = world.download()
    t0 = world.wall.t
    world.store.keys_for_playback(lid)
    world.at(t0 + 47 * HOUR)
    world.store.keys_for_playback(lid)  # replays do not move the first-play time
    assert world.store.status(lid).remaining_s == pytest.approx(HOUR)
    world.at(t0 + 48 * HOUR)
    with pytest.raises(LicenseExpired, match="playback window"):
        world.store.keys_for_playback(lid)
    assert world.store.status(lid).state == "expired"


def test_rollback_locks_across_restart_until_renewal(world: World) -> None:
    """Clock set back beyond 300 s → locked; still locked after restart and after moving forward;
    an online renewal unlocks."""
    lid, keys = world.download()
    t0 = world.wall.t
    world.store.keys_for_playback(lid)
    world.at(t0 + 10 * HOUR)
    world.store.status(lid)
    world.wall.t = t0 + 10 * HOUR - 200  # inside tolerance: fine
    assert world.store.status(lid).state == "valid"
    world.wall.t = t0 + 2 * HOUR  # 8 h back: the cheat
    with pytest.raises(ClockRollback):
        world.store.keys_for_playback(lid)
    assert world.store.status(lid).state == "locked"
    world.wall.t = t0 + 11 * HOUR  # putting the clock right is not enough...
    assert world.store.status(lid).state == "locked"
    store = world.restart()  # ...nor is a restart with the right time
    assert store.status(lid).state == "locked"
    with pytest.raises(ClockRollback):
        store.keys_for_playback(lid)
    world.server.state.now = t0 + 11 * HOUR
    world.wall.t = t0 + 2 * HOUR  # still wrong during the renewal: the server's time wins
    world.renew(lid)
    ring = store.keys_for_playback(lid)
    assert ring.key_for(next(iter(keys))) == next(iter(keys.values()))
    assert store.status(lid).state == "valid"


def test_deleting_the_clock_file_does_not_reset_the_mark(world: World) -> None:
    """The store re-feeds the high-water mark from its records, so removing the clock file gains nothing."""
    lid, _ = world.download()
    t0 = world.wall.t
    world.at(t0 + 5 * DAY)
    world.store.keys_for_playback(lid)
    (world.tmp / "config" / "clock").unlink()
    world.wall.t = t0 + DAY
    store = world.restart()
    with pytest.raises(ClockRollback):
        store.keys_for_playback(lid)


def test_renewal_extends_windows_without_new_keys(world: World) -> None:
    """Renewal keeps the id and keys, moves the rental end, and restarts the playback window."""
    lid, keys = world.download()
    t0 = world.wall.t
    world.store.keys_for_playback(lid)
    world.at(t0 + 40 * HOUR)
    before = world.store.status(lid)
    world.renew(lid)
    after = world.store.status(lid)
    assert after.license_id == lid
    assert after.rental_expires_at == pytest.approx(before.rental_expires_at + 40 * HOUR)
    assert after.first_play_at is None
    world.at(t0 + 60 * HOUR)  # past the old 48 h window
    ring = world.store.keys_for_playback(lid)
    assert {k: ring.key_for(k) for k in ring.kids} == keys


def test_renewal_after_expiry_restores_keys(world: World) -> None:
    """An expired (wiped) licence can be renewed online and plays again."""
    lid, keys = world.download()
    world.at(world.wall.t + 31 * DAY)
    assert world.store.status(lid).state == "expired"
    world.renew(lid)
    ring = world.store.keys_for_playback(lid)
    assert set(ring.kids) == set(keys)


def test_delete_wipes_keys_from_the_file(world: World) -> None:
    """After delete the sealed blob and every key spelling are gone from the database files."""
    lid, keys = world.download()
    world.store.keys_for_playback(lid)
    sealed = sqlite3.connect(world.db_path).execute("SELECT sealed FROM licences").fetchone()[0]
    assert len(sealed) > 32 and sealed in world.files_bytes()
    world.store.delete(lid)
    data = world.files_bytes()
    assert sealed not in data and sealed[:24] not in data
    assert_no_key_bytes(data, keys)
    with pytest.raises(LicenceNotFound):
        world.store.keys_for_playback(lid)
    assert world.store.list_ids() == []


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_tampered_licence_is_rejected(world: World, where: str) -> None:
    """A flipped byte in the signed licence or in its signature → SignatureInvalid on save."""
    state = world.server.state
    kids = state.add_title("film")
    world.store.pin_public_key(state.public_key_raw)
    response = state.offline_response("film", kids, "box-1")
    if where == "payload":
        response["license"]["rental_expires_at"] += 1  # a one-digit change of the signed JSON
    else:
        sig = bytearray(response["signature"].encode())
        sig[5] = ord("A") if sig[5] != ord("A") else ord("B")
        response["signature"] = sig.decode()
    with pytest.raises(SignatureInvalid):
        world.store.save(response, "film")
    assert world.store.list_ids() == []


def test_licence_edited_in_the_file_is_rejected(world: World) -> None:
    """Extending the rental by editing the stored row breaks the signature on the next use."""
    lid, _ = world.download()
    db = sqlite3.connect(world.db_path)
    payload = json.loads(db.execute("SELECT payload FROM licences").fetchone()[0])
    payload["rental_expires_at"] += 365 * DAY
    with db:
        db.execute("UPDATE licences SET payload = ?",
                   [json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()])
    with pytest.raises(SignatureInvalid):
        world.store.keys_for_playback(lid)


def test_forged_server_key_is_rejected(world: World) -> None:
    """A licence signed by another key fails; re-pinning a different key needs replace=True."""
    lid, _ = world.download()
    from drm_licence_server import LicenceServerState  # type: ignore[import-not-found]

    forger = LicenceServerState()
    with pytest.raises(SignatureInvalid):
        world.store.pin_public_key(forger.public_key_raw)
    kids = forger.add_title("film")
    with pytest.raises(SignatureInvalid):
        world.store.save(forger.offline_response("film", kids, "box-1"), "film")


def test_no_keys_in_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """Downloading, playing, renewing and deleting log nothing secret."""
    caplog.set_level(logging.DEBUG)
    lid, keys = world.download()
    ring = world.store.keys_for_playback(lid)
    world.renew(lid)
    logging.getLogger("test").info("%r %r %r", ring, world.device_key, world.store.status(lid))
    world.store.delete(lid)
    assert "offline licence" in caplog.text
    assert_no_key_bytes(caplog.text.encode(), keys)
    assert "tok-premium" not in caplog.text

"""Offline licence rules with an injected clock: rental, playback window, rollback lock, renewal, deletion."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from backend_stub.api.clock import ManualClock
from backend_stub.server import Backend
from dlkit import LOCKED, download, play_offline, signed_in
from downloads import DownloadManager, DownloadPaths, PlaybackLocked, TitleExpired
from testkit import sqlite_at

DAY = 24 * 3600.0


@dataclass
class World:
    """A backend and a client sharing one manual wall clock (the client's may be skewed by ``client_offset``)."""

    backend: Backend
    clock: ManualClock
    manager: DownloadManager
    client_offset: float = 0.0

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def renew(self, asset_id: str) -> None:
        async def go() -> None:
            client = await signed_in(self.backend.api_url)
            try:
                await self.manager.renew(asset_id, client)
            finally:
                await client.aclose()

        asyncio.run(go())


@pytest.fixture
def world(start_backend: Callable[..., Backend], paths: DownloadPaths) -> Iterator[World]:
    clock = ManualClock(time.time())
    holder: list[World] = []
    manager = DownloadManager(paths, wall_clock=lambda: clock.now() + holder[0].client_offset)
    w = World(backend=start_backend(clock=clock), clock=clock, manager=manager)
    holder.append(w)
    yield w
    manager.close()


def _sealed_keys(paths: DownloadPaths, license_id: str) -> bytes | None:
    with sqlite_at(paths.licence_db) as conn:
        row = conn.execute("SELECT sealed FROM licences WHERE license_id = ?", [license_id]).fetchone()
    return None if row is None else row[0]


def test_rental_expiry_destroys_keys(world: World, paths: DownloadPaths) -> None:
    """30 days after the download the title shows expired, playback raises TitleExpired, the keys are gone."""
    info = download(world.manager, world.backend.api_url, LOCKED)
    assert info.licence.state == "valid" and info.licence.remaining_s == pytest.approx(30 * DAY, abs=60)
    world.advance(30 * DAY - 60)
    world.manager.open_offline(info.asset_id).close()  # a minute before the end: still playable
    world.advance(120)
    with pytest.raises(TitleExpired):
        world.manager.open_offline(info.asset_id)
    (listed,) = world.manager.list()
    assert listed.licence.state == "expired" and not listed.playable
    assert _sealed_keys(paths, str(world.manager.queue.asset(info.asset_id).license_id)) is None
    assert world.manager.verify(info.asset_id) == info.segments_total  # files kept for a renewal


def test_playback_window_after_first_play(world: World) -> None:
    """The 48 h playback window starts at the first play, not at the download."""
    info = download(world.manager, world.backend.api_url, LOCKED)
    world.advance(10 * DAY)  # unplayed for 10 days: still valid
    assert world.manager.info(info.asset_id).licence.playback_expires_at is None
    world.manager.open_offline(info.asset_id).close()  # first play
    first = world.clock.now()
    assert world.manager.info(info.asset_id).licence.playback_expires_at == pytest.approx(first + 2 * DAY, abs=1)
    world.advance(2 * DAY - 60)
    world.manager.open_offline(info.asset_id).close()
    world.advance(120)
    with pytest.raises(TitleExpired):
        world.manager.open_offline(info.asset_id)
    assert world.manager.info(info.asset_id).licence.state == "expired"


def test_clock_rollback_locks_until_renewal(world: World) -> None:
    """Turning the clock back beyond tolerance locks playback; turning it forward does not unlock; renewal does."""
    info = download(world.manager, world.backend.api_url, LOCKED)
    world.advance(3600)
    world.manager.open_offline(info.asset_id).close()
    world.client_offset = -2 * 3600  # the device clock goes back two hours
    with pytest.raises(PlaybackLocked):
        world.manager.open_offline(info.asset_id)
    assert world.manager.info(info.asset_id).licence.state == "locked"
    world.client_offset = 0.0
    with pytest.raises(PlaybackLocked):
        world.manager.open_offline(info.asset_id)
    world.renew(info.asset_id)
    assert world.manager.info(info.asset_id).licence.state == "valid"
    world.manager.open_offline(info.asset_id).close()


def test_renewal_after_expiry_plays_without_redownload(world: World) -> None:
    """An expired download renewed online plays again offline, from the same sealed files."""
    info = download(world.manager, world.backend.api_url, LOCKED)
    store = world.manager.store(info.asset_id)
    before = {p: p.stat().st_mtime_ns for p in store.files()}
    world.advance(31 * DAY)
    with pytest.raises(TitleExpired):
        world.manager.open_offline(info.asset_id)
    world.renew(info.asset_id)
    renewed = world.manager.info(info.asset_id)
    assert renewed.licence.state == "valid" and renewed.licence.remaining_s == pytest.approx(30 * DAY, abs=60)
    assert {p: p.stat().st_mtime_ns for p in store.files()} == before
    world.backend.stop()
    report = play_offline(world.manager, info.asset_id)
    assert report["errors"] == [] and report["played_s"] >= 3.5


def test_delete_wipes_keys_and_files(world: World, paths: DownloadPaths) -> None:
    """Deleting a download removes its licence keys, its sealed files, its records and its wrapped asset key."""
    info = download(world.manager, world.backend.api_url, LOCKED)
    asset = world.manager.queue.asset(info.asset_id)
    license_id = str(asset.license_id)
    sealed = _sealed_keys(paths, license_id)
    assert sealed is not None
    folder = world.manager.store(info.asset_id).folder
    assert folder.is_dir()
    world.manager.delete(info.asset_id)
    assert not folder.exists()
    assert world.manager.list() == []
    assert _sealed_keys(paths, license_id) is None
    for db in list(paths.data_dir.glob("*.sqlite*")):
        raw = db.read_bytes()
        assert sealed not in raw and asset.wrapped_key not in raw, db

"""The DRM client against the real backend (``backend_stub.server.Backend``) with a protected title."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from backend_stub.api.clock import ManualClock as ServerClock
from backend_stub.config import ApiSettings
from backend_stub.server import Backend
from drm_client import (
    ClockStateFile,
    DeviceKey,
    LicenseDenied,
    OfflineLicenceStore,
    TrustedClock,
    acquire_keys,
    acquire_offline_licence,
    download_licence,
    renew_online,
)
from drm_client.clearkey import b64url_decode, clearkey_kids

from drm_licence_server import ManualClock  # type: ignore[import-not-found]
from testkit import sqlite_at

TITLE = "drm-title"
DAY = 86400.0
FAST = ApiSettings(argon2_time_cost=1, argon2_memory_kib=8 * 1024)


@dataclass
class Running:
    backend: Backend
    clock: ServerClock
    kid: bytes
    key: bytes

    @property
    def api(self) -> str:
        return self.backend.api_url + "/api/v1"

    def login(self, email: str = "demo@reelbox.local", password: str = "demo") -> str:
        reply = httpx.post(f"{self.api}/auth/login", json={"email": email, "password": password}, timeout=10)
        reply.raise_for_status()
        return str(reply.json()["access_token"])


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One protected 2 s title (144p) published and served by a real Backend with a manual clock."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("drm-backend")
    info = make_test_title(data, TITLE, protected=True, seconds=2, heights=(144,))
    with sqlite_at(data / "backend.sqlite") as conn:
        key_hex = conn.execute("SELECT key FROM content_keys WHERE title_id = ?", [TITLE]).fetchone()[0]
    clock = ServerClock(time.time())
    with Backend(data, demo_user=True, settings=FAST, clock=clock, edges=1) as backend:
        yield Running(backend=backend, clock=clock, kid=bytes.fromhex(str(info.kid_hex)),
                      key=bytes.fromhex(key_hex))


def test_streaming_keys_from_the_backend(running: Running) -> None:
    """Playback session → licence task in parallel with the manifest fetch → the title's real key,
    for the KID the packager wrote into the init segment's ClearKey PSSH."""
    token = running.login()

    async def play() -> tuple[bytes, bytes]:
        async with httpx.AsyncClient(timeout=10) as client:
            headers = {"Authorization": f"Bearer {token}"}
            info = (await client.post(f"{running.api}/playback/{TITLE}", json={"format": "dash"},
                                      headers=headers)).json()
            kids = [b64url_decode(k) for k in info["kids"]]
            task = asyncio.create_task(acquire_keys(info["license_url"], kids, token=token,
                                                    session_id=info["session_id"], client=client))
            manifest = (await client.get(info["manifests"][0])).content
            ring = await task
            return ring.key_for(running.kid), manifest

    key, manifest = asyncio.run(play())
    assert key == running.key
    assert b"MPD" in manifest
    inits = [p for p in (running.backend.data_dir / "content" / TITLE).rglob("*.mp4")
             if clearkey_kids(p.read_bytes()[:4096])]
    assert inits and all(clearkey_kids(p.read_bytes()[:4096]) == [running.kid] for p in inits)


def test_backend_denial_carries_its_code(running: Running) -> None:
    """A basic-plan user asking for an offline licence gets LicenseDenied('not_entitled')."""
    httpx.post(f"{running.api}/auth/register", timeout=10,
               json={"email": "basic@example.org", "password": "pw-secret-1", "plan": "basic"})
    token = running.login("basic@example.org", "pw-secret-1")
    with pytest.raises(LicenseDenied) as err:
        asyncio.run(acquire_keys(f"{running.api}/license", [running.kid], token=token,
                                 session_id="no-such-session"))
    assert err.value.status in (403, 404) and err.value.code

    with pytest.raises(LicenseDenied) as err:
        asyncio.run(acquire_offline_licence(f"{running.api}/license/offline", [running.kid], token=token,
                                            title_id=TITLE, device_id="box-1"))
    assert err.value.code == "not_entitled" and "downloads" in err.value.reason


def test_offline_licence_from_the_backend(running: Running, tmp_path: Path) -> None:
    """Download a signed offline licence, play from the sealed store, renew 10 days later."""
    # Start 10 days in the past and come back to now: the backend's JWTs are checked by PyJWT against
    # the real clock for ``iat``, so its manual clock cannot run ahead of real time (reported).
    running.clock.set(time.time() - 10 * DAY)
    token = running.login()
    wall = ManualClock(running.clock.now())
    device_key = DeviceKey.generate()
    clock = TrustedClock(ClockStateFile(tmp_path / "clock", device_key), now=wall)
    store = OfflineLicenceStore(tmp_path / "licences.sqlite", device_key, clock, device_id="box-1")
    licence = asyncio.run(download_licence(
        store, license_url=f"{running.api}/license/offline", public_key_url=f"{running.api}/license/public-key",
        kids=[running.kid], token=token, title_id=TITLE, device_id="box-1"))
    assert store.keys_for_playback(licence.license_id).key_for(running.kid) == running.key
    before = store.status(licence.license_id)
    running.clock.advance(10 * DAY)
    wall.t += 10 * DAY
    token = running.login()
    renewed = asyncio.run(renew_online(store, licence.license_id, license_url=f"{running.api}/license/offline",
                                       token=token, device_id="box-1"))
    after = store.status(renewed.license_id)
    assert renewed.license_id == licence.license_id
    assert after.rental_expires_at == pytest.approx(before.rental_expires_at + 10 * DAY, abs=2)
    assert after.first_play_at is None and after.state == "valid"

"""Abuse limits (issue 16): atomic login limiting, bounded hashing, register and spraying limits, telemetry."""
from __future__ import annotations

import asyncio
import dataclasses
import re

import httpx
from backend_testkit import CLEAR_ID, register_and_login
from testkit import FAST_SETTINGS, sqlite_at


def _burst(url: str, bodies: list[dict]) -> list[httpx.Response]:
    """POST every body to ``url`` at once (one connection each), answers in order."""
    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(bodies))
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            return list(await asyncio.gather(*(client.post(url, json=b) for b in bodies)))
    return asyncio.run(run())


def test_concurrent_wrong_logins_past_the_limit_are_refused(reelbox_backend_factory) -> None:
    """60 concurrent guesses, the right password among them: only 5 are checked, the rest 429; no login."""
    b = reelbox_backend_factory()
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        register_and_login(api, "victim@example.org")
    bodies = [{"email": "victim@example.org", "password": f"guess-{i}"} for i in range(60)]
    bodies[40] = {"email": "victim@example.org", "password": "pw-secret-1"}
    answers = _burst(b.api_url + "/api/v1/auth/login", bodies)
    codes = [r.status_code for r in answers]
    assert codes.count(401) <= FAST_SETTINGS.login_max_failures, codes
    assert codes.count(429) >= 60 - FAST_SETTINGS.login_max_failures - 1, codes
    if codes[40] == 200:  # the right one may win a slot only while failures are still under the limit
        assert codes.count(401) < FAST_SETTINGS.login_max_failures
    assert all(r.headers.get("retry-after") for r in answers if r.status_code == 429)


def test_password_hashes_are_bounded_and_excess_is_refused_quickly(reelbox_backend_factory) -> None:
    """With 1 hashing slot and 1 waiting place, a burst of 30 logins gets 503 busy (Retry-After) for the rest."""
    settings = dataclasses.replace(FAST_SETTINGS, hash_concurrency=1, hash_waiting=1, argon2_time_cost=4,
                                   argon2_memory_kib=32 * 1024, login_address_max_failures=100)
    b = reelbox_backend_factory(settings=settings)
    bodies = [{"email": f"u{i}@example.org", "password": "nope"} for i in range(30)]
    answers = _burst(b.api_url + "/api/v1/auth/login", bodies)
    busy = [r for r in answers if r.status_code == 503]
    assert busy and all(r.json()["code"] == "busy" and r.headers["retry-after"] for r in busy)
    assert all(r.status_code in (401, 503) for r in answers)
    # a refused attempt was not counted: the same account can still try 5 times
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        assert api.post("/auth/login", json=bodies[0]).status_code == 401


def test_register_and_spraying_are_limited_per_address(reelbox_backend_factory) -> None:
    """An address may create 3 accounts at once here, and fail 4 logins over all accounts, then 429."""
    settings = dataclasses.replace(FAST_SETTINGS, register_burst=3, login_address_max_failures=4)
    b = reelbox_backend_factory(settings=settings)
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        for i in range(3):
            assert api.post("/auth/register", json={"email": f"n{i}@example.org", "password": "pw-secret-1"}).status_code == 201
        r = api.post("/auth/register", json={"email": "n9@example.org", "password": "pw-secret-1"})
        assert r.status_code == 429 and r.headers["retry-after"]
        for i in range(4):  # one wrong password on each of four accounts
            assert api.post("/auth/login", json={"email": f"s{i}@example.org", "password": "x"}).status_code == 401
        r = api.post("/auth/login", json={"email": "n0@example.org", "password": "pw-secret-1"})
        assert r.status_code == 429


def _event(i: int, **fields) -> dict:
    return {"event_id": f"ev{i}", "session_id": "s1", "title_id": CLEAR_ID, "type": "error", **fields}


def test_telemetry_values_are_scrubbed_and_types_fixed(reelbox_backend) -> None:
    """A signed edge URL, a Bearer token and a hex key in values are scrubbed; invented types are rejected."""
    signed = f"{reelbox_backend.edge_urls[0]}/c/1999999999-0123456789abcdef0123456789abcdef/{CLEAR_ID}/v240/1.m4s"
    events = [
        _event(1, code="http", message=f"GET {signed} failed; Authorization: Bearer abc.def.ghi"),
        _event(2, code="drm", message="key 00112233445566778899aabbccddeeff refused", extra={"u": signed + "?sig=zz"}),
        {"event_id": "ev3", "session_id": "s1", "type": "made_up_type"},
        {"event_id": "ev4", "session_id": "s1", "type": "error", "title_id": signed},
    ]
    with httpx.Client(base_url=reelbox_backend.api_url) as api:
        answer = api.post("/api/v1/telemetry", json={"events": events}).json()
        metrics = api.get("/metrics").text
    assert answer == {"accepted": 2, "duplicates": 0, "rejected": 2}
    with sqlite_at(reelbox_backend.data_dir / "backend.sqlite") as conn:
        stored = " ".join(p for (p,) in conn.execute("SELECT payload FROM telemetry"))
    assert "0123456789abcdef0123456789abcdef" not in stored and "abc.def.ghi" not in stored
    assert "00112233445566778899aabbccddeeff" not in stored and "sig=zz" not in stored
    assert "/c/<token>/" in stored and "Bearer <redacted>" in stored
    assert "made_up_type" not in metrics
    assert re.search(r'^reelbox_telemetry_events_total\{type="error"\} 2$', metrics, re.M)
    assert re.search(rf'^reelbox_playback_errors_total\{{title="{CLEAR_ID}"}} 2$', metrics, re.M)


def test_telemetry_quota_and_bounded_labels(reelbox_backend_factory) -> None:
    """Past its quota an address gets 429; titles the catalog lacks and wild CDN indexes share 'other'."""
    settings = dataclasses.replace(FAST_SETTINGS, telemetry_events_burst=50, telemetry_events_per_s=0.001)
    b = reelbox_backend_factory(settings=settings)
    with httpx.Client(base_url=b.api_url) as api:
        wild = [{"event_id": f"w{i}", "session_id": f"s{i}", "title_id": f"no-such-{i}", "type": "segment",
                 "cdn": 10_000 + i, "bytes": 10} for i in range(40)]
        assert api.post("/api/v1/telemetry", json={"events": wild}).json()["accepted"] == 40
        more = [_event(100 + i) for i in range(20)]
        r = api.post("/api/v1/telemetry", json={"events": more})
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
        metrics = api.get("/metrics").text
    assert "no-such" not in metrics and "10000" not in metrics
    assert re.search(r'^reelbox_playback_sessions_total\{title="other"\} 40$', metrics, re.M)
    assert re.search(r'^reelbox_cdn_segments_total\{cdn="other"\} 40$', metrics, re.M)


def test_demo_admin_only_when_asked_for_and_on_loopback(reelbox_backend_factory, tmp_path) -> None:
    """A backend creates the demo admin only when asked (`reelbox demo`, test fixtures), never off loopback; a
    data dir whose demo admin has the default password refuses to start off loopback."""
    import pytest

    from backend_stub.server import Backend, BackendError

    plain = tmp_path / "plain"
    with Backend(plain, settings=FAST_SETTINGS, ingest_worker=False) as b:  # as `reelbox backend` runs it
        login = httpx.post(b.api_url + "/api/v1/auth/login", json={"email": "demo@reelbox.local", "password": "demo"})
        assert login.status_code == 401
    with sqlite_at(plain / "backend.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    with pytest.raises(BackendError, match="loopback only"):
        Backend(tmp_path / "off", host="192.0.2.1", demo_user=True, settings=FAST_SETTINGS).start()
    loop_backend = reelbox_backend_factory()  # the fixtures ask for it: the demo admin exists
    data = loop_backend.data_dir
    loop_backend.stop()
    with pytest.raises(BackendError, match="default password"):
        Backend(data, host="192.0.2.1", settings=FAST_SETTINGS).start()  # refused before binding anything
    fresh = tmp_path / "fresh"
    with pytest.raises(BackendError, match="cannot listen"):  # TEST-NET address: the bind fails after the check
        Backend(fresh, host="192.0.2.1", settings=FAST_SETTINGS, ingest_worker=False).start()
    with sqlite_at(fresh / "backend.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0


def test_every_event_type_the_player_sends_is_on_the_fixed_list() -> None:
    """The backend's fixed list covers every telemetry type of the engine's events and the ones
    player/sync/telemetry.py emits itself (kept in step)."""
    from pathlib import Path

    from backend_stub.api.telemetry import EVENT_TYPES
    from player.qoe.events import QoeEvent

    def every(cls: type) -> list[type]:
        return [cls, *(c for sub in cls.__subclasses__() for c in every(sub))]

    source = (Path(__file__).resolve().parents[2] / "player" / "sync" / "telemetry.py").read_text()
    sent = {c.telemetry for c in every(QoeEvent) if c.telemetry} | set(re.findall(r'_emit\(\s*"([a-z_]+)"', source))
    assert len(sent) >= 12 and sent <= EVENT_TYPES, sent - EVENT_TYPES

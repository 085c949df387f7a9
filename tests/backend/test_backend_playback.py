"""Playback sessions, stream limits, signed edge URLs, licences (temporary and offline) and edge admin."""
from __future__ import annotations

import base64
import json

import httpx
from backend_testkit import demo_headers, register_and_login, wall_clock
from backend_testkit import CLEAR_ID, PROTECTED_ID
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from backend_stub.api.clock import ManualClock
from backend_stub.config import ApiSettings


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_basic_plan_allows_one_stream(api: httpx.Client) -> None:
    """On the basic plan a second device's stream → 403 too_many_streams; ending the first frees it."""
    acct = register_and_login(api, "basic@example.org", plan="basic")
    first = api.post(f"/playback/{CLEAR_ID}", json={"device_id": "tv"}, headers=acct["headers"])
    assert first.status_code == 200 and first.json()["max_height"] <= 720
    second = api.post(f"/playback/{CLEAR_ID}", json={"device_id": "phone"}, headers=acct["headers"])
    assert second.status_code == 403 and second.json()["code"] == "too_many_streams"
    assert api.delete(f"/playback/sessions/{first.json()['session_id']}", headers=acct["headers"]).status_code == 204
    assert api.post(f"/playback/{CLEAR_ID}", json={"device_id": "phone"}, headers=acct["headers"]).status_code == 200


def test_standard_plan_allows_two_and_one_device_counts_per_play(api: httpx.Client) -> None:
    """Standard allows 2 streams; two plays on one device are two live sessions, a third play anywhere is refused."""
    acct = register_and_login(api, "std@example.org", plan="standard")
    h = acct["headers"]
    a = api.post(f"/playback/{CLEAR_ID}", json={"device_id": "a"}, headers=h).json()
    again = api.post(f"/playback/{CLEAR_ID}", json={"device_id": "a"}, headers=h).json()
    assert again["session_id"] != a["session_id"]
    assert api.post(f"/playback/{CLEAR_ID}", json={"device_id": "a"}, headers=h).json()["code"] == "too_many_streams"
    assert api.post(f"/playback/{CLEAR_ID}", json={"device_id": "c"}, headers=h).json()["code"] == "too_many_streams"
    for s in (a, again):
        assert api.post(f"/playback/sessions/{s['session_id']}/heartbeat", headers=h).status_code == 200


def test_session_expires_without_heartbeat(reelbox_backend_factory) -> None:
    """A session kept alive by heartbeats holds the stream; 60 s of silence frees it and its licence is refused."""
    clock = ManualClock(wall_clock())
    b = reelbox_backend_factory(clock=clock)
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        acct = register_and_login(api, "hb@example.org", plan="premium")
        h = acct["headers"]
        sessions = [api.post(f"/playback/{PROTECTED_ID}", json={"device_id": f"d{i}"}, headers=h).json() for i in range(4)]
        assert api.post(f"/playback/{PROTECTED_ID}", json={"device_id": "d4"}, headers=h).status_code == 403
        clock.advance(45)
        assert api.post(f"/playback/sessions/{sessions[0]['session_id']}/heartbeat", headers=h).status_code == 200
        clock.advance(30)  # 75 s after opening: only session 0 (heartbeat at 45 s) is alive
        assert api.post(f"/playback/{PROTECTED_ID}", json={"device_id": "d4"}, headers=h).status_code == 200
        dead = api.post("/license", json={"kids": sessions[1]["kids"], "session_id": sessions[1]["session_id"]}, headers=h)
        assert dead.status_code == 403 and dead.json()["code"] == "no_session"
        live = api.post("/license", json={"kids": sessions[0]["kids"], "session_id": sessions[0]["session_id"]}, headers=h)
        assert live.status_code == 200


def test_resume_position_comes_from_progress(api: httpx.Client) -> None:
    """A playback session resumes where progress says, and from 0 once the title is ≥95 % watched."""
    acct = register_and_login(api, "resume@example.org", plan="premium")
    h = acct["headers"]
    api.put(f"/progress/{CLEAR_ID}", headers=h,
            json={"position_s": 2.5, "duration_s": 4.0, "device_id": "tv", "client_ts": 100, "event_id": "e1"})
    assert api.post(f"/playback/{CLEAR_ID}", json={"device_id": "tv"}, headers=h).json()["resume_s"] == 2.5
    api.put(f"/progress/{CLEAR_ID}", headers=h,
            json={"position_s": 3.9, "duration_s": 4.0, "device_id": "tv", "client_ts": 101, "event_id": "e2"})
    assert api.post(f"/playback/{CLEAR_ID}", json={"device_id": "tv"}, headers=h).json()["resume_s"] == 0.0


def test_expired_and_forged_edge_urls_rejected(reelbox_backend_factory) -> None:
    """Edge URLs signed for the past, with a tampered signature, or for another title → 403 at the edge."""
    clock = ManualClock(wall_clock() - 2 * ApiSettings().edge_url_ttl_s)  # URLs signed 12 h ago expired 6 h ago
    b = reelbox_backend_factory(clock=clock)
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        acct = register_and_login(api, "edge@example.org", plan="premium")
        old = api.post(f"/playback/{CLEAR_ID}", json={}, headers=acct["headers"]).json()
        for url in old["manifests"]:
            assert httpx.get(url).status_code == 403
        clock.set(wall_clock())
        login = api.post("/auth/login", json={"email": "edge@example.org", "password": "pw-secret-1"}).json()
        fresh = api.post(f"/playback/{CLEAR_ID}", json={},
                         headers={"Authorization": f"Bearer {login['access_token']}"}).json()
    good = fresh["manifests"][0]
    assert httpx.get(good).status_code == 200
    token = good.split("/c/")[1].split("/")[0]
    claims, _, sig = token.rpartition("-")
    expires, dot, rest = claims.partition(".")
    tampered_sig = good.replace(token, f"{claims}-{'0' * len(sig)}")
    later_expiry = good.replace(token, f"{int(expires) + 3600}{dot}{rest}-{sig}")
    other_title = good.replace(f"/{CLEAR_ID}/", f"/{PROTECTED_ID}/")
    for url in (tampered_sig, later_expiry, other_title):
        assert httpx.get(url).status_code == 403, url


def test_licence_needs_token_session_and_matching_title(api: httpx.Client) -> None:
    """No token → 401; a session for another title → 403 not_entitled; an unknown KID → 404."""
    acct = register_and_login(api, "lic@example.org", plan="premium")
    h = acct["headers"]
    prot = api.post(f"/playback/{PROTECTED_ID}", json={"device_id": "a"}, headers=h).json()
    clear = api.post(f"/playback/{CLEAR_ID}", json={"device_id": "b"}, headers=h).json()
    assert clear["license_url"] is None and clear["kids"] == [] and prot["protected"] is True
    body = {"kids": prot["kids"], "type": "temporary", "session_id": prot["session_id"]}
    assert api.post("/license", json=body).status_code == 401
    wrong = api.post("/license", json={**body, "session_id": clear["session_id"]}, headers=h)
    assert wrong.status_code == 403 and wrong.json()["code"] == "not_entitled"
    unknown = api.post("/license", json={**body, "kids": [base64.urlsafe_b64encode(b"\x01" * 16).decode().rstrip("=")]}, headers=h)
    assert unknown.status_code == 404
    other = register_and_login(api, "thief@example.org", plan="premium")
    stolen = api.post("/license", json=body, headers=other["headers"])
    assert stolen.status_code == 403 and stolen.json()["code"] == "no_session"


def test_offline_licence_is_signed_and_renewable(reelbox_backend_factory, title_library) -> None:
    """An offline licence verifies with the published Ed25519 key, has 30 d / 48 h windows, and renewal extends it."""
    clock = ManualClock(wall_clock())
    b = reelbox_backend_factory(clock=clock)
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        acct = register_and_login(api, "offline@example.org", plan="standard")
        h = acct["headers"]
        kid = base64.urlsafe_b64encode(bytes.fromhex(title_library.protected_kid_hex)).decode().rstrip("=")
        req = {"kids": [kid], "type": "persistent-license", "title_id": PROTECTED_ID, "device_id": "laptop"}
        r = api.post("/license/offline", json=req, headers=h)
        assert r.status_code == 200, r.text
        out = r.json()
        pub = Ed25519PublicKey.from_public_bytes(_unb64(api.get("/license/public-key").json()["public_key"]))
        doc = out["license"]
        pub.verify(_unb64(out["signature"]), json.dumps(doc, sort_keys=True, separators=(",", ":")).encode())
        assert _unb64(out["keys"][0]["k"]).hex() == title_library.protected_key_hex
        assert doc["rental_expires_at"] - doc["issued_at"] == 30 * 24 * 3600
        assert doc["playback_window_s"] == 48 * 3600 and doc["kids"] == [kid]
        clock.advance(10 * 24 * 3600)
        fresh = api.post("/auth/refresh", json={"refresh_token": acct["refresh_token"]}).json()
        h = {"Authorization": f"Bearer {fresh['access_token']}"}
        r = api.post("/license/offline", json={**req, "renew_license_id": doc["license_id"]}, headers=h)
        assert r.status_code == 200, r.text
        renewed = r.json()
        assert renewed["license"]["license_id"] == doc["license_id"]
        assert renewed["license"]["rental_expires_at"] == doc["rental_expires_at"] + 10 * 24 * 3600
        tampered = dict(renewed["license"], rental_expires_at=renewed["license"]["rental_expires_at"] + 1)
        try:
            pub.verify(_unb64(renewed["signature"]), json.dumps(tampered, sort_keys=True, separators=(",", ":")).encode())
            raise AssertionError("a tampered licence verified")
        except Exception as exc:  # InvalidSignature
            assert type(exc).__name__ == "InvalidSignature"
        bogus = api.post("/license/offline", json={**req, "renew_license_id": "nope"}, headers=h)
        assert bogus.status_code == 404
        basic = register_and_login(api, "cheap@example.org", plan="basic")
        denied = api.post("/license/offline", json=req, headers=basic["headers"])
        assert denied.status_code == 403 and denied.json()["code"] == "not_entitled"


def test_admin_faults_reach_the_edge(reelbox_backend) -> None:
    """POST /admin/edges/1/faults makes edge 1 answer 503 while edge 0 serves; {} clears it; non-admins get 403."""
    with httpx.Client(base_url=reelbox_backend.api_url + "/api/v1") as api:
        admin = demo_headers(api)
        user = register_and_login(api, "plain@example.org")
        assert api.post("/admin/edges/1/faults", json={"error_status": 503}, headers=user["headers"]).status_code == 403
        r = api.post("/admin/edges/1/faults", json={"error_status": 503, "error_fraction": 1.0}, headers=admin)
        assert r.status_code == 200, r.text
        urls = api.post(f"/playback/{CLEAR_ID}", json={}, headers=admin).json()["manifests"]
        assert httpx.get(urls[0]).status_code == 200
        assert httpx.get(urls[1]).status_code == 503
        listing = api.get("/admin/edges", headers=admin).json()["edges"]
        assert [e["url"] for e in listing] == reelbox_backend.edge_urls
        assert api.post("/admin/edges/1/faults", json={}, headers=admin).status_code == 200
        assert httpx.get(urls[1]).status_code == 200
        assert api.post("/admin/edges/7/faults", json={}, headers=admin).status_code == 404
        bad = api.post("/admin/edges/0/faults", json={"error_fraction": "lots"}, headers=admin)
        assert bad.status_code == 400 and bad.json()["code"] == "bad_faults"

"""Entitlements enforced by the server (issue 16): plan height at the edge, URLs bound to a live session."""
from __future__ import annotations

import shutil

import httpx
from backend_testkit import CLEAR_ID, PROTECTED_ID, register_and_login, wall_clock

from backend_stub.api.clock import ManualClock
from backend_stub.config import ApiSettings


def _grant(api: httpx.Client, headers: dict, title: str, **body) -> dict:
    r = api.post(f"/playback/{title}", json={"device_id": "tv", **body}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _url(grant: dict, relpath: str, edge: int = 0) -> str:
    return grant["manifests"][edge].rsplit("/", 1)[0] + "/" + relpath


def test_basic_plan_url_cannot_fetch_1080p(reelbox_backend_factory) -> None:
    """A 1080p rendition on the edge: a premium grant fetches it, a basic (720p) grant gets 403 above_plan."""
    b = reelbox_backend_factory()
    title_dir = b.data_dir / "content" / CLEAR_ID
    shutil.copytree(title_dir / "v240", title_dir / "v1080")  # a real file under a 1080p rendition's name
    shutil.copy(title_dir / "v240.m3u8", title_dir / "v1080.m3u8")
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        basic = _grant(api, register_and_login(api, "b@example.org", plan="basic")["headers"], CLEAR_ID)
        premium = _grant(api, register_and_login(api, "p@example.org", plan="premium")["headers"], CLEAR_ID)
    for path in ("v1080/init.mp4", "v1080.m3u8"):
        assert httpx.get(_url(premium, path)).status_code == 200
        refused = httpx.get(_url(basic, path))
        assert refused.status_code == 403 and "above_plan" in refused.text
    assert httpx.get(_url(basic, "v240/init.mp4")).status_code == 200
    assert httpx.get(basic["manifests"][0]).status_code == 200


def test_session_urls_stop_working_after_it_ends(reelbox_backend_factory) -> None:
    """Ended (DELETE) → its URLs 403 at once; silent past the session TTL → 403; heartbeats keep them alive."""
    clock = ManualClock(wall_clock())
    b = reelbox_backend_factory(clock=clock)
    ttl = ApiSettings().session_ttl_s
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        h = register_and_login(api, "s@example.org", plan="premium")["headers"]
        ended, silent, kept = (_grant(api, h, CLEAR_ID) for _ in range(3))
        for g in (ended, silent, kept):
            assert all(httpx.get(u).status_code == 200 for u in g["manifests"])
        assert api.delete(f"/playback/sessions/{ended['session_id']}", headers=h).status_code == 204
        clock.advance(ttl * 0.75)
        assert api.post(f"/playback/sessions/{kept['session_id']}/heartbeat", headers=h).status_code == 200
        clock.advance(ttl * 0.5)
    for url in ended["manifests"] + silent["manifests"] + [_url(silent, "v240/init.mp4")]:
        r = httpx.get(url)
        assert r.status_code == 403 and "session_ended" in r.text, url
    assert all(httpx.get(u).status_code == 200 for u in kept["manifests"])


def test_a_licence_expires_with_its_session(reelbox_backend_factory) -> None:
    """A temporary licence carries its own expiry (licence TTL after issue), each heartbeat pushes it on; once the
    session is ended or silent past the session TTL, no licence is issued for it, and the keys held lapse at most
    one licence TTL after its last heartbeat."""
    clock = ManualClock(wall_clock())
    b = reelbox_backend_factory(clock=clock)
    settings = ApiSettings()
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        h = register_and_login(api, "lic@example.org", plan="premium")["headers"]
        ended, silent, kept = (_grant(api, h, PROTECTED_ID) for _ in range(3))

        def licence(grant: dict) -> httpx.Response:
            return api.post("/license", json={"kids": grant["kids"], "session_id": grant["session_id"]}, headers=h)

        first = licence(kept).json()
        assert first["keys"] and first["expires_in"] == settings.licence_ttl_s
        assert first["expires_at"] == int(clock.now() + settings.licence_ttl_s)
        assert all(licence(g).status_code == 200 for g in (ended, silent))
        assert api.delete(f"/playback/sessions/{ended['session_id']}", headers=h).status_code == 204
        clock.advance(settings.session_ttl_s * 0.75)
        beat = api.post(f"/playback/sessions/{kept['session_id']}/heartbeat", headers=h).json()
        assert beat["license_expires_at"] == int(clock.now() + settings.licence_ttl_s) > first["expires_at"]
        clock.advance(settings.session_ttl_s * 0.5)
        for gone in (ended, silent):
            refused = licence(gone)
            assert refused.status_code == 403 and refused.json()["code"] == "no_session", refused.text
            assert api.post(f"/playback/sessions/{gone['session_id']}/heartbeat", headers=h).status_code == 403
            assert httpx.get(gone["manifests"][0]).status_code == 403
        renewed = licence(kept).json()
        assert renewed["keys"] == first["keys"] and renewed["expires_at"] > first["expires_at"]
    assert settings.licence_ttl_s <= 300 and settings.session_ttl_s <= settings.licence_ttl_s


def test_two_protected_plays_on_one_device_both_keep_their_licence(api: httpx.Client) -> None:
    """Two plays of a protected title from one device: two sessions, both licensed, both URL sets served."""
    h = register_and_login(api, "two@example.org", plan="standard")["headers"]
    first, second = _grant(api, h, PROTECTED_ID), _grant(api, h, PROTECTED_ID)
    for g in (first, second):
        lic = api.post("/license", json={"kids": g["kids"], "session_id": g["session_id"]}, headers=h)
        assert lic.status_code == 200 and lic.json()["keys"]
    for g in (first, second):  # the first licence request did not end the other session
        assert api.post("/license", json={"kids": g["kids"], "session_id": g["session_id"]}, headers=h).status_code == 200
        assert httpx.get(g["manifests"][1]).status_code == 200


def test_download_grant_counts_no_stream_and_outlives_its_session(api: httpx.Client) -> None:
    """purpose=download: refused on a plan without downloads; its URLs work after the session ends."""
    basic = register_and_login(api, "nodl@example.org", plan="basic")["headers"]
    r = api.post(f"/playback/{CLEAR_ID}", json={"purpose": "download"}, headers=basic)
    assert r.status_code == 403 and r.json()["code"] == "not_entitled"
    h = register_and_login(api, "dl@example.org", plan="standard")["headers"]
    grants = [_grant(api, h, CLEAR_ID, purpose="download") for _ in range(3)]
    plays = [_grant(api, h, CLEAR_ID) for _ in range(2)]  # the plan's two streams are still free
    assert len(plays) == 2
    for g in grants:
        assert api.delete(f"/playback/sessions/{g['session_id']}", headers=h).status_code == 204
        assert httpx.get(g["manifests"][0]).status_code == 200

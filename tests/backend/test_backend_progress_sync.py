"""The progress conflict rule (backend_stub/api/progress.py) over HTTP, with the server's clock injected."""
from __future__ import annotations


import httpx
from backend_testkit import CLEAR_ID
from testkit import FAST_SETTINGS, sqlite_at

from backend_stub.api.clock import ManualClock
from backend_stub.config import DEMO_EMAIL, DEMO_PASSWORD


def _client(backend) -> tuple[httpx.Client, dict]:
    api = httpx.Client(base_url=backend.api_url + "/api/v1", timeout=10)
    token = api.post("/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()["access_token"]
    return api, {"Authorization": f"Bearer {token}"}


def test_skewed_clocks_and_replays_follow_the_rule(reelbox_backend_factory) -> None:
    """Cross-device order is server time minus the client's own age; per device the seq; ties by device id."""
    clock = ManualClock(1_700_000_000.0)
    backend = reelbox_backend_factory(clock=clock, settings=FAST_SETTINGS)
    api, h = _client(backend)

    def put(pos: float, device: str, seq: int, *, client_ts: float, age_s: float = 0.0, event: str) -> dict:
        r = api.put(f"/progress/{CLEAR_ID}", headers=h, json={
            "position_s": pos, "duration_s": 4.0, "device_id": device, "client_ts": client_ts, "event_id": event,
            "seq": seq, "age_s": age_s})
        assert r.status_code == 200, r.text
        return r.json()

    assert put(1.0, "tv", 1, client_ts=9e9, event="a")["applied"]  # tv's clock is decades fast
    clock.advance(5)
    assert put(2.0, "phone", 1, client_ts=1.0, event="b")["applied"]  # phone's clock is decades slow: still newer
    clock.advance(5)
    late = put(0.5, "tv", 2, client_ts=9e9 + 1, age_s=8.0, event="c")  # made 8 s ago, before phone's update
    assert late["applied"] is False and late["position_s"] == 2.0 and late["device_id"] == "phone"
    assert put(1.5, "tv", 2, client_ts=9e9 + 2, event="c2")["applied"] is False  # seq 2 already seen from tv
    assert put(3.0, "tv", 3, client_ts=9e9 + 3, event="d")["applied"]  # live again: newest
    assert put(3.0, "tv", 3, client_ts=9e9 + 3, event="d")["applied"] is False  # a retry changes nothing
    clock.advance(1)
    tie_a = put(1.0, "aa", 1, client_ts=5, age_s=0.0, event="e")  # same effective time as ...
    tie_z = put(1.2, "zz", 1, client_ts=5, age_s=0.0, event="f")  # ... this one: the larger device id wins
    assert tie_a["applied"] and tie_z["applied"]
    assert put(1.1, "aa", 2, client_ts=6, age_s=0.0, event="g")["applied"] is False  # (t, "aa") < (t, "zz")
    row = api.get(f"/progress/{CLEAR_ID}", headers=h).json()
    assert (row["position_s"], row["device_id"], row["version"]) == (1.2, "zz", 5)
    api.close()


def test_credits_marker_completes_a_title(reelbox_backend_factory) -> None:
    """Past the title's credits marker the title is completed: it leaves continue watching and resumes from 0."""
    backend = reelbox_backend_factory()
    with sqlite_at(backend.data_dir / "backend.sqlite") as conn:
        conn.execute("ALTER TABLE titles ADD COLUMN credits_s REAL")
        conn.execute("UPDATE titles SET credits_s = 3.0 WHERE id = ?", [CLEAR_ID])
    api, h = _client(backend)
    body = {"duration_s": 4.0, "device_id": "tv", "client_ts": 1, "seq": 1}
    assert api.put(f"/progress/{CLEAR_ID}", headers=h, json={**body, "position_s": 2.0, "event_id": "x"}).json()["completed"] is False
    assert [i["title"]["id"] for i in api.get("/progress", headers=h).json()["items"]] == [CLEAR_ID]
    r = api.put(f"/progress/{CLEAR_ID}", headers=h, json={**body, "seq": 2, "position_s": 3.2, "event_id": "y"}).json()
    assert r["completed"] is True and 3.2 < 0.95 * 4.0
    assert api.get("/progress", headers=h).json()["items"] == []
    assert api.post(f"/playback/{CLEAR_ID}", json={}, headers=h).json()["resume_s"] == 0.0
    api.close()

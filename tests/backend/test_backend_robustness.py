"""Bad input and API hygiene: malformed/oversized JSON, no tracebacks, OpenAPI, telemetry, progress rules."""
from __future__ import annotations

import httpx
from backend_testkit import insert_titles, register_and_login
from backend_testkit import CLEAR_ID, PROTECTED_ID

from backend_stub.db import open_db
from backend_stub.server import Backend


def test_malformed_json_is_400_with_message(api: httpx.Client) -> None:
    """A broken JSON body → 400 bad_json with a sentence, not a traceback."""
    r = api.post("/auth/login", content=b'{"email": "x", ', headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["code"] == "bad_json" and "JSON" in r.json()["detail"]
    assert "Traceback" not in r.text


def test_wrong_shape_is_422_without_echoing_input(api: httpx.Client) -> None:
    """A body of the wrong shape → 422 naming the field; the submitted values are never echoed back."""
    r = api.post("/auth/register", json={"email": "a@b.c", "password": ["not", "a", "string-secret"]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    assert "password" in r.json()["detail"] and "string-secret" not in r.text


def test_oversized_body_is_413(api: httpx.Client) -> None:
    """Bodies over the 1 MiB limit → 413 too_large, declared or chunked."""
    big = b'{"events": [' + b'{"event_id": "x"},' * 100_000 + b'{"event_id": "y"}]}'
    r = api.post("/telemetry", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "too_large"

    def chunks():
        for _ in range(40):
            yield b" " * 65536

    r = api.post("/telemetry", content=chunks(), headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500
    assert "Traceback" not in r.text


def test_internal_error_hides_the_traceback(reelbox_backend: Backend, api: httpx.Client) -> None:
    """A server-side failure (a corrupt catalog row) → 500 {"code": "internal"} and nothing more."""
    insert_titles(reelbox_backend.data_dir, [{"id": "broken", "name": "Broken", "max_height": "tall", "protected": 0}])
    login = api.post("/auth/login", json={"email": "demo@reelbox.local", "password": "demo"}).json()
    r = api.post("/playback/broken", json={}, headers={"Authorization": f"Bearer {login['access_token']}"})
    assert r.status_code == 500
    assert r.json() == {"detail": "internal error", "code": "internal"}


def test_unknown_route_and_method(api: httpx.Client) -> None:
    """Unknown paths → 404 and wrong methods → 405, both as JSON with a code."""
    assert api.get("/nope").json()["code"] == "not_found"
    assert api.delete("/catalog").json()["code"] == "method_not_allowed"


def test_openapi_lists_the_contract_routes(reelbox_backend: Backend) -> None:
    """/openapi.json is published and lists every route of the DESIGN.md contract."""
    doc = httpx.get(reelbox_backend.api_url + "/openapi.json").json()
    paths = set(doc["paths"])
    for p in ("/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/catalog",
              "/api/v1/titles/{title_id}", "/api/v1/playback/{title_id}", "/api/v1/license",
              "/api/v1/license/offline", "/api/v1/progress/{title_id}", "/api/v1/progress", "/api/v1/telemetry",
              "/api/v1/admin/ingest", "/api/v1/admin/edges/{n}/faults", "/api/v1/admin/edges"):
        assert p in paths, p


def test_telemetry_is_idempotent_by_event_id(reelbox_backend: Backend, api: httpx.Client) -> None:
    """Re-sending a batch stores nothing new; only new event ids are counted and stored."""
    acct = register_and_login(api, "tel@example.org")
    batch = {"events": [{"event_id": f"e{i}", "type": "segment", "ts": 1.5 * i, "bytes": 1000} for i in range(5)]}
    assert api.post("/telemetry", json=batch, headers=acct["headers"]).json() == {"accepted": 5, "duplicates": 0,
                                                                                   "rejected": 0}
    assert api.post("/telemetry", json=batch, headers=acct["headers"]).json() == {"accepted": 0, "duplicates": 5,
                                                                                   "rejected": 0}
    more = {"events": batch["events"][3:] + [{"event_id": "e9", "type": "stall_start"}]}
    assert api.post("/telemetry", json=more).json() == {"accepted": 1, "duplicates": 2, "rejected": 0}
    db = open_db(reelbox_backend.data_dir)
    rows = list(db.query("SELECT event_id, type FROM telemetry ORDER BY event_id"))
    db.conn.close()
    assert [r["event_id"] for r in rows] == ["e0", "e1", "e2", "e3", "e4", "e9"]


def test_telemetry_refuses_secret_looking_fields(api: httpx.Client) -> None:
    """An event carrying a field named like a token or key is refused whole (422 sensitive_field)."""
    for event in ({"event_id": "s1", "access_token": "abc"}, {"event_id": "s2", "detail": {"content_key": "00"}},
                  {"event_id": "s3", "password": "pw"}):
        r = api.post("/telemetry", json={"events": [event, {"event_id": "fine", "type": "pause"}]})
        assert r.status_code == 422 and r.json()["code"] == "sensitive_field", event
    assert api.post("/telemetry", json={"events": [{"event_id": "fine", "type": "pause"}]}).json()["accepted"] == 1


def test_progress_older_update_never_overwrites_newer(api: httpx.Client) -> None:
    """An update with an older client_ts is ignored (applied: false); continue watching lists newest first, not finished."""
    acct = register_and_login(api, "prog@example.org")
    h = acct["headers"]

    def put(title: str, pos: float, ts: float, event: str) -> dict:
        r = api.put(f"/progress/{title}", headers=h,
                    json={"position_s": pos, "duration_s": 4.0, "device_id": "tv", "client_ts": ts, "event_id": event})
        assert r.status_code == 200, r.text
        return r.json()

    assert put(CLEAR_ID, 2.0, 200, "a")["applied"] is True
    late = put(CLEAR_ID, 0.5, 150, "b")  # an offline device uploading an older position
    assert late["applied"] is False and late["position_s"] == 2.0
    assert put(PROTECTED_ID, 1.0, 300, "c")["applied"] is True
    items = api.get("/progress", headers=h).json()["items"]
    assert [(i["title"]["id"], i["position_s"]) for i in items] == [(PROTECTED_ID, 1.0), (CLEAR_ID, 2.0)]
    put(PROTECTED_ID, 3.9, 400, "d")  # ≥ 95 %: finished
    assert [i["title"]["id"] for i in api.get("/progress", headers=h).json()["items"]] == [CLEAR_ID]
    assert api.put("/progress/no-such", headers=h, json={"position_s": 1, "duration_s": 4, "device_id": "tv",
                                                          "client_ts": 1, "event_id": "z"}).status_code == 404
    assert api.get("/progress").status_code == 401

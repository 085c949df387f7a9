"""Auth: access-token expiry on the injected clock, refresh rotation and reuse, login rate limit, secrets."""
from __future__ import annotations

import logging
import os
import stat

import httpx
from backend_testkit import register_and_login, wall_clock

from backend_stub.api.clock import ManualClock
from backend_stub.config import ApiSettings


def test_access_token_expires_on_injected_clock(reelbox_backend_factory) -> None:
    """An access token works until its ~15 min lifetime passes on the backend's clock, then 401 token_expired."""
    clock = ManualClock(wall_clock())
    b = reelbox_backend_factory(clock=clock)
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        acct = register_and_login(api, "a@example.org")
        assert api.get("/me", headers=acct["headers"]).status_code == 200
        clock.advance(ApiSettings().access_ttl_s - 1)
        assert api.get("/me", headers=acct["headers"]).status_code == 200
        clock.advance(2)
        r = api.get("/me", headers=acct["headers"])
        assert r.status_code == 401 and r.json()["code"] == "token_expired"


def test_forged_or_missing_token_rejected(api: httpx.Client) -> None:
    """A token signed with another key, a garbage token or no token → 401."""
    import jwt

    forged = jwt.encode({"sub": "1", "exp": 2**31, "typ": "access"}, b"not-the-server-key" * 2, algorithm="HS256")
    for headers in ({"Authorization": f"Bearer {forged}"}, {"Authorization": "Bearer abc.def.ghi"}, {}):
        r = api.get("/me", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"] == "Bearer"


def test_refresh_rotates_and_reuse_revokes_family(api: httpx.Client) -> None:
    """Each refresh returns a new refresh token; replaying a spent one revokes the whole family."""
    acct = register_and_login(api, "r@example.org")
    first = acct["refresh_token"]
    r1 = api.post("/auth/refresh", json={"refresh_token": first})
    assert r1.status_code == 200
    second = r1.json()["refresh_token"]
    assert second != first
    assert api.get("/me", headers={"Authorization": f"Bearer {r1.json()['access_token']}"}).status_code == 200
    replay = api.post("/auth/refresh", json={"refresh_token": first})
    assert replay.status_code == 401 and replay.json()["code"] == "refresh_reused"
    # the legitimate holder's newer token is now dead too
    assert api.post("/auth/refresh", json={"refresh_token": second}).status_code == 401
    # a fresh login starts a new family
    again = api.post("/auth/login", json={"email": "r@example.org", "password": "pw-secret-1"})
    assert api.post("/auth/refresh", json={"refresh_token": again.json()["refresh_token"]}).status_code == 200


def test_login_rate_limit_per_account_and_address(reelbox_backend_factory) -> None:
    """Five wrong passwords lock the account from that address (429 even with the right one) until the window passes."""
    clock = ManualClock(wall_clock())
    b = reelbox_backend_factory(clock=clock)
    with httpx.Client(base_url=b.api_url + "/api/v1") as api:
        register_and_login(api, "victim@example.org")
        register_and_login(api, "other@example.org")
        for _ in range(5):
            assert api.post("/auth/login", json={"email": "victim@example.org", "password": "wrong"}).status_code == 401
        locked = api.post("/auth/login", json={"email": "victim@example.org", "password": "pw-secret-1"})
        assert locked.status_code == 429 and locked.json()["code"] == "rate_limited"
        assert int(locked.headers["retry-after"]) > 0
        # another account from the same address is unaffected
        assert api.post("/auth/login", json={"email": "other@example.org", "password": "pw-secret-1"}).status_code == 200
        clock.advance(ApiSettings().login_window_s + 1)
        assert api.post("/auth/login", json={"email": "victim@example.org", "password": "pw-secret-1"}).status_code == 200


def test_register_rejects_duplicates_and_unknown_plans(api: httpx.Client) -> None:
    """Registering an e-mail twice → 409; an unknown plan → 400."""
    register_and_login(api, "dup@example.org")
    r = api.post("/auth/register", json={"email": "DUP@example.org", "password": "xxxxxx"})
    assert r.status_code == 409 and r.json()["code"] == "email_taken"
    r = api.post("/auth/register", json={"email": "p@example.org", "password": "xxxxxx", "plan": "gold"})
    assert r.status_code == 400 and r.json()["code"] == "bad_plan"


def test_secrets_are_private_files(reelbox_backend) -> None:
    """The JWT key, edge secret and licence signing key are 0600 files in a 0700 folder."""
    folder = reelbox_backend.data_dir / "secrets"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["edge.key", "jwt.key", "license-ed25519.pem"]
    for p in folder.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_logs_never_contain_passwords_tokens_or_keys(reelbox_backend, title_library) -> None:
    """Request and licence logs (JSON lines) carry method/path/status/ms but no password, token or key."""
    from backend_stub.api.logs import JsonFormatter

    handler = _Collect()
    handler.setFormatter(JsonFormatter())
    watched = [logging.getLogger(n) for n in ("reelbox", "uvicorn", "backend_stub")]
    levels = [lg.level for lg in watched]
    for lg in watched:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        with httpx.Client(base_url=reelbox_backend.api_url + "/api/v1") as api:
            password = "Sup3r-Secret-Pa55"
            acct = register_and_login(api, "logged@example.org", plan="premium", password=password)
            refreshed = api.post("/auth/refresh", json={"refresh_token": acct["refresh_token"]}).json()
            play = api.post("/playback/locked-title", json={}, headers=acct["headers"]).json()
            lic = api.post("/license", json={"kids": play["kids"], "session_id": play["session_id"]},
                           headers=acct["headers"]).json()
            off = api.post("/license/offline", headers=acct["headers"], json={
                "kids": play["kids"], "title_id": "locked-title", "device_id": "d"}).json()
            api.get("/catalog", params={"q": "x", "token": "query-secret-value"})
            api.post("/auth/login", json={"email": "logged@example.org", "password": "wrong-" + password})
            httpx.get(play["manifests"][0])
    finally:
        for lg, level in zip(watched, levels):
            lg.removeHandler(handler)
            lg.setLevel(level)
    text = "\n".join(handler.lines)
    assert '"path": "/api/v1/license"' in text and '"status": 200' in text  # the request lines are there
    secrets = [password, acct["access_token"], acct["refresh_token"], refreshed["access_token"],
               refreshed["refresh_token"], lic["keys"][0]["k"], off["signature"], "query-secret-value",
               title_library.protected_key_hex, play["manifests"][0].split("/c/")[1].split("/")[0]]
    for s in secrets:
        assert s not in text

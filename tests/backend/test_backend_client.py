"""The one backend client (player.backend) against a real backend on 127.0.0.1: refresh, strict bodies, both URL forms.

Malformed answers come from a second real HTTP server on loopback that answers every request with a
fixed body (our backend never sends them, a broken proxy or another service on the port would).
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from backend_testkit import CLEAR_ID, wall_clock
from player.backend import (
    BackendClient,
    BackendError,
    BackendUnreachable,
    BadAddress,
    BadResponse,
    SignInRequired,
    api_url,
    login_from_env,
    server_root,
)
from ui.cli import main as cli_main

from backend_stub.api.clock import ManualClock
from backend_stub.server import Backend


def test_refresh_on_401_then_retry(reelbox_backend_factory: Callable[..., Backend]) -> None:
    """An expired access token is refreshed once (a new rotated pair) and the request succeeds; no re-login."""
    clock = ManualClock(wall_clock())
    backend = reelbox_backend_factory(clock=clock)

    async def run() -> tuple[str | None, str | None, list[list[str]]]:
        client = BackendClient(backend.api_url)
        try:
            await client.login(*login_from_env({}))
            first = client.refresh_token
            clock.advance(16 * 60)  # access tokens live 15 minutes
            pages = await asyncio.gather(*(client.request("GET", "/progress") for _ in range(3)))  # three 401s at once
            return first, client.refresh_token, [sorted(p) for p in pages]
        finally:
            await client.aclose()

    first, second, ids = asyncio.run(run())
    assert ids == [["items"]] * 3
    # one refresh, not three: the backend revokes the whole login when a spent refresh token is replayed
    assert first and second and first != second


def test_refresh_refused_is_sign_in_required(reelbox_backend_factory: Callable[..., Backend]) -> None:
    """When the refresh token has expired too, the 401 surfaces as SignInRequired (a BackendError)."""
    clock = ManualClock(wall_clock())
    backend = reelbox_backend_factory(clock=clock)

    async def run() -> BackendError:
        client = BackendClient(backend.api_url)
        try:
            await client.login(*login_from_env({}))
            clock.advance(40 * 24 * 3600)
            with pytest.raises(SignInRequired) as caught:
                await client.request("GET", "/progress")
            return caught.value
        finally:
            await client.aclose()

    assert asyncio.run(run()).status == 401


@pytest.mark.parametrize("suffix", ["", "/", "/api/v1", "/api/v1/"])
def test_both_url_forms(reelbox_backend: Backend, suffix: str) -> None:
    """`http://h:p` and `http://h:p/api/v1` (what `reelbox backend` prints) name the same backend."""
    async def run() -> str:
        client = BackendClient(reelbox_backend.api_url + suffix)
        try:
            await client.login(*login_from_env({}))
            return str((await client.title(CLEAR_ID))["id"])
        finally:
            await client.aclose()

    assert asyncio.run(run()) == CLEAR_ID


def test_address_resolution_order(tmp_path: Path) -> None:
    """--backend, then $REELBOX_BACKEND, then config.toml's [app] backend_url, then the default; both forms."""
    config = tmp_path / "config.toml"
    config.write_text('[app]\nbackend_url = "http://conf:1/api/v1"\nemail = "kiosk@example.org"\n', encoding="utf-8")
    env = {"REELBOX_BACKEND": "http://env:2/api/v1/"}
    assert api_url("http://flag:3/api/v1", env, config=config) == "http://flag:3"
    assert api_url(None, env, config=config) == "http://env:2"
    assert api_url(None, {}, config=config) == "http://conf:1"
    assert api_url(None, {}, config=tmp_path / "missing.toml") == "http://127.0.0.1:8700"
    assert login_from_env({"REELBOX_PASSWORD": "pw"}, config=config) == ("kiosk@example.org", "pw")
    assert login_from_env({"REELBOX_EMAIL": "a@b.c", "REELBOX_PASSWORD": "x"}, config=config) == ("a@b.c", "x")
    with pytest.raises(SignInRequired, match="REELBOX_PASSWORD"):
        login_from_env({}, config=config)  # never a password from a file
    for bad in ("ftp://h/x", "h:8700", "http://"):
        with pytest.raises(BadAddress):
            server_root(bad)
    with pytest.raises(BadAddress) as refused:
        server_root("ftp://kiosk:hunter2@h/x")
    assert "hunter2" not in str(refused.value)  # user-info never echoed


class _Fixed(BaseHTTPRequestHandler):
    body = b""
    login_body: bytes | None = None  # the answer to /auth/login, when it should differ

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = self.login_body if self.login_body is not None and self.path.endswith("/auth/login") else self.body
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fixed_server() -> Iterator[Callable[..., str]]:
    """``serve(body, login=None)`` → the URL of a loopback server answering 200 with ``body`` (``login`` to /auth/login)."""
    servers: list[ThreadingHTTPServer] = []

    def serve(body: bytes, login: bytes | None = None) -> str:
        handler = type("Handler", (_Fixed,), {"body": body, "login_body": login})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


LOGIN_OK = b'{"access_token": "a", "refresh_token": "r"}'


@pytest.mark.parametrize("body", [b"<html>not json</html>", b"[]", b'{"session_id": 5}', b'{"manifests": "x"}',
                                  b'{"session_id": "s", "manifests": ["u"], "kids": ["***"]}', b"\xff\xfe"])
def test_malformed_success_bodies_are_bad_response(fixed_server: Callable[..., str], body: bytes) -> None:
    """A 200 whose body breaks the contract is BadResponse — never JSONDecodeError, KeyError or TypeError."""
    async def run() -> None:
        client = BackendClient(fixed_server(body))
        login = BackendClient(fixed_server(body, login=LOGIN_OK))
        try:
            with pytest.raises(BadResponse):
                await client.login("a@b.c", "pw")
            await login.login("a@b.c", "pw")  # signed in, then the grant is broken
            with pytest.raises(BadResponse):
                await login.open_playback("t")
        finally:
            await client.aclose()
            await login.aclose()

    asyncio.run(run())


def test_unreachable_is_backend_unreachable() -> None:
    """A port nobody listens on: BackendUnreachable, naming the backend."""
    async def run() -> None:
        client = BackendClient("http://127.0.0.1:9")
        try:
            with pytest.raises(BackendUnreachable, match="127.0.0.1:9"):
                await client.login("a@b.c", "pw")
        finally:
            await client.aclose()

    asyncio.run(run())


def test_cli_prints_a_sentence_for_a_malformed_grant(fixed_server: Callable[..., str],
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`reelbox play` against a server granting `{}`: exit 1, one `error:` line from the app's table, no `'session_id'`."""
    monkeypatch.setenv("REELBOX_EMAIL", "demo@reelbox.local")
    monkeypatch.setenv("REELBOX_PASSWORD", "demo")
    url = fixed_server(b"{}", login=LOGIN_OK)
    code = cli_main(["play", "some-title", "--headless", "--backend", url + "/api/v1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1, err
    assert err[0].startswith("error: The Reelbox service sent an answer this version cannot read.")
    assert "'session_id'" not in err[0] and "KeyError" not in err[0]

"""Streaming licence acquisition against a real HTTP licence server on 127.0.0.1."""
from __future__ import annotations

import asyncio
import logging
import socket

import httpx
import pytest

from drm_client import (
    KeyRing,
    LicenceRetry,
    LicenseDenied,
    LicenseServerError,
    LicenseUnreachable,
    MalformedLicense,
    acquire_keys,
    fetch_public_key,
)

from drm_licence_server import LicenceServer, b64  # type: ignore[import-not-found]


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_keys_acquired_over_http(licence_server: LicenceServer) -> None:
    """A granted licence yields exactly the server's keys in a KeyRing, with the contract's body."""
    kids = licence_server.state.add_title("t1", n_keys=2)
    ring = run(acquire_keys(licence_server.license_url, kids, token="tok-premium", session_id="s-1"))
    assert isinstance(ring, KeyRing)
    assert set(ring.kids) == set(kids)
    for kid in kids:
        assert ring.key_for(kid) == licence_server.state.keys[kid]
    sent = licence_server.state.requests[-1]
    assert sent["body"] == {"kids": [b64(k) for k in kids], "type": "temporary", "session_id": "s-1"}
    assert sent["auth"] == "Bearer tok-premium"
    assert ring.license_ms is not None and ring.license_ms > 0


def test_acquisition_runs_in_parallel_with_segment_fetches(licence_server: LicenceServer) -> None:
    """Started as a task, the licence exchange overlaps the first segment fetches on a shared client."""
    kids = licence_server.state.add_title("t1")
    licence_server.state.delay_s = 0.3

    async def session() -> tuple[KeyRing, list[int]]:
        async with httpx.AsyncClient() as client:
            task = asyncio.create_task(acquire_keys(licence_server.license_url, kids, token="tok-premium",
                                                    session_id="s-2", client=client))
            sizes = []
            for n in range(3):
                reply = await client.get(f"{licence_server.base}/segment/{n}")
                sizes.append(len(reply.content))
            assert not task.done(), "the licence should still be in flight while segments arrive"
            return await task, sizes

    ring, sizes = run(session())
    assert sizes == [1000, 1000, 1000]
    assert ring.key_for(kids[0]) == licence_server.state.keys[kids[0]]
    log = licence_server.state.requests
    lic_t = next(r["t"] for r in log if r["path"] == "/api/v1/license")
    seg_ts = [r["t"] for r in log if r["path"].startswith("/segment/")]
    assert lic_t < max(seg_ts), "the licence request and the segment fetches should overlap"
    assert ring.license_ms is not None and ring.license_ms >= 300


@pytest.mark.parametrize(("token", "code", "words"), [
    ("tok-free", "not_entitled", "plan does not include"),
    ("tok-busy", "too_many_streams", "4 streams"),
    ("tok-wrong", "unauthorized", "invalid token"),
])
def test_denied_licence_carries_reason_and_code(licence_server: LicenceServer, token: str,
                                                code: str, words: str) -> None:
    """401/403 become LicenseDenied with the server's code and human reason."""
    kids = licence_server.state.add_title("t1")
    with pytest.raises(LicenseDenied) as err:
        run(acquire_keys(licence_server.license_url, kids, token=token, session_id="s"))
    assert err.value.code == code
    assert words in err.value.reason
    assert err.value.status in (401, 403)


def test_unknown_kid_is_denied_with_its_code(licence_server: LicenceServer) -> None:
    """A 404 for a KID the server does not know is LicenseDenied(code='unknown_kid')."""
    licence_server.state.add_title("t1")
    with pytest.raises(LicenseDenied) as err:
        run(acquire_keys(licence_server.license_url, [bytes(16)], token="tok-premium", session_id="s"))
    assert (err.value.code, err.value.status) == ("unknown_kid", 404)


async def _no_wait(seconds: float) -> None:
    WAITS.append(seconds)


WAITS: list[float] = []
QUICK = LicenceRetry(sleep=_no_wait)


def test_server_error_is_license_server_error(licence_server: LicenceServer) -> None:
    """A 5xx that persists becomes LicenseServerError with the status and detail, after 4 tries backed off."""
    kids = licence_server.state.add_title("t1")
    licence_server.state.fault = "5xx"
    WAITS.clear()
    with pytest.raises(LicenseServerError) as err:
        run(acquire_keys(licence_server.license_url, kids, token="tok-premium", session_id="s", retry=QUICK))
    assert err.value.status == 503
    assert "key store unavailable" in str(err.value)
    assert len(licence_server.state.requests) == 4 and WAITS == [0.25, 0.5, 1.0]


def test_transient_licence_failures_are_retried(licence_server: LicenceServer) -> None:
    """Two 503s then an answer: the keys arrive on the third request; a denial (403) is not retried."""
    kids = licence_server.state.add_title("t1")
    licence_server.state.fault, licence_server.state.fault_times = "5xx", 2
    ring = run(acquire_keys(licence_server.license_url, kids, token="tok-premium", session_id="s", retry=QUICK))
    assert kids[0] in ring and len(licence_server.state.requests) == 3
    with pytest.raises(LicenseDenied):
        run(acquire_keys(licence_server.license_url, kids, token="tok-free", session_id="s", retry=QUICK))
    assert len(licence_server.state.requests) == 4


@pytest.mark.parametrize("fault", ["malformed", "extra_kid", "short_key"])
def test_malformed_response_is_named(licence_server: LicenceServer, fault: str) -> None:
    """Broken JSON, a key for an unrequested KID, or an 8-byte key → MalformedLicense."""
    kids = licence_server.state.add_title("t1")
    licence_server.state.fault = fault
    with pytest.raises(MalformedLicense):
        run(acquire_keys(licence_server.license_url, kids, token="tok-premium", session_id="s"))


def test_unreachable_server_is_named() -> None:
    """A refused connection becomes LicenseUnreachable, not an httpx exception."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(LicenseUnreachable):
        run(acquire_keys(f"http://127.0.0.1:{port}/api/v1/license", [bytes(16)], token="t",
                         session_id="s"))


def test_public_key_fetch(licence_server: LicenceServer) -> None:
    """The pinned server key is the raw 32-byte Ed25519 key the server publishes."""
    raw = run(fetch_public_key(licence_server.public_key_url))
    assert raw == licence_server.state.public_key_raw


def test_no_key_or_token_in_logs(licence_server: LicenceServer, caplog: pytest.LogCaptureFixture) -> None:
    """Neither the bearer token nor any key (hex or base64url) reaches the logs or the ring's repr."""
    kids = licence_server.state.add_title("t1")
    key = licence_server.state.keys[kids[0]]
    caplog.set_level(logging.DEBUG)
    ring = run(acquire_keys(licence_server.license_url, kids, token="tok-premium", session_id="s"))
    logging.getLogger("test").info("ring is %r", ring)
    text = caplog.text + repr(ring) + str(ring)
    assert "licence" in caplog.text  # the acquisition was logged at all
    for secret in ("tok-premium", key.hex(), b64(key)):
        assert secret not in text

"""A real licence server on 127.0.0.1 that speaks exactly the layout contract, plus small helpers.

Imported by ``conftest.py`` (fixtures) and the tests (helpers); a unique module name on purpose.

The real backend (``backend_stub.server.Backend``) is exercised in ``test_drm_backend.py``; this
app stays for what the real one cannot be told to do on demand: answer 5xx, send broken JSON, add a
key nobody asked for, hand out short keys, delay a licence. It implements the /tmp/layout.md
contract: ``POST /api/v1/license``, ``POST /api/v1/license/offline``, ``GET /api/v1/license/public-key``,
401/403 ``{"detail", "code"}``/404 errors.
"""
from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

DAY = 86400.0
TOKENS = {"tok-premium": "ok", "tok-free": "not_entitled", "tok-busy": "too_many_streams"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ManualClock:
    """An injectable epoch clock the test moves by hand (Trio's MockClock idea)."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass
class LicenceServerState:
    """What the test controls: content keys, faults, the server's clock; and what it observed."""

    signing_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    keys: dict[bytes, bytes] = field(default_factory=dict)  # kid -> key
    titles: dict[bytes, str] = field(default_factory=dict)  # kid -> title id
    fault: str | None = None  # "5xx", "malformed", "extra_kid", "short_key"
    fault_times: int | None = None  # the fault clears after this many faulted requests (None: stays)
    delay_s: float = 0.0
    now: float = 1_800_000_000.0
    rental_s: float = 30 * DAY
    playback_window_s: int = 172800
    requests: list[dict[str, Any]] = field(default_factory=list)
    issued: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def public_key_raw(self) -> bytes:
        return self.signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def add_title(self, title_id: str, n_keys: int = 1) -> list[bytes]:
        kids = [secrets.token_bytes(16) for _ in range(n_keys)]
        for kid in kids:
            self.keys[kid] = secrets.token_bytes(16)
            self.titles[kid] = title_id
        return kids

    def sign(self, doc: dict[str, Any]) -> str:
        return b64(self.signing_key.sign(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()))

    def offline_response(self, title_id: str, kids: list[bytes], device_id: str,
                         license_id: str | None = None) -> dict[str, Any]:
        """A signed persistent licence, as the server would answer (also used directly by tests)."""
        license_id = license_id or secrets.token_urlsafe(9)
        doc = {"license_id": license_id, "title_id": title_id, "device_id": device_id,
               "kids": [b64(k) for k in kids], "issued_at": int(self.now),
               "rental_expires_at": int(self.now + self.rental_s),
               "playback_window_s": self.playback_window_s}
        self.issued[license_id] = doc
        return {"keys": [{"kty": "oct", "k": b64(self.keys[k]), "kid": b64(k)} for k in kids],
                "type": "persistent-license", "license": doc, "signature": self.sign(doc)}


def _error(status: int, detail: str, code: str) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status)


def build_app(state: LicenceServerState) -> FastAPI:
    app = FastAPI()

    def auth(request: Request) -> JSONResponse | None:
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        verdict = TOKENS.get(token) if header.startswith("Bearer ") else None
        if verdict is None:
            return _error(401, "missing or invalid token", "unauthorized")
        if verdict != "ok":
            return _error(403, {"not_entitled": "your plan does not include this title",
                                "too_many_streams": "4 streams already play on this account"}[verdict],
                          verdict)
        return None

    def lookup(kids_b64: list[str]) -> list[bytes] | JSONResponse:
        kids = [unb64(k) for k in kids_b64]
        if any(k not in state.keys for k in kids):
            return _error(404, "unknown key id", "unknown_kid")
        return kids

    async def common(request: Request) -> tuple[dict[str, Any], list[bytes]] | Response:
        body = await request.json()
        state.requests.append({"path": request.url.path, "body": body, "t": time.monotonic(),
                               "auth": request.headers.get("authorization")})
        if state.delay_s:
            await asyncio.sleep(state.delay_s)
        if state.fault is not None and state.fault_times is not None:
            state.fault_times -= 1
            if state.fault_times < 0:
                state.fault = state.fault_times = None
        if state.fault == "5xx":
            return _error(503, "key store unavailable", "unavailable")
        if state.fault == "malformed":
            return Response(b'{"keys": [ {"kty": "oct", ', media_type="application/json")
        denied = auth(request)
        if denied is not None:
            return denied
        kids = lookup(body.get("kids", []))
        if isinstance(kids, JSONResponse):
            return kids
        return body, kids

    def jwk(kids: list[bytes]) -> list[dict[str, str]]:
        out = [{"kty": "oct", "k": b64(state.keys[k]), "kid": b64(k)} for k in kids]
        if state.fault == "extra_kid":
            out.append({"kty": "oct", "k": b64(secrets.token_bytes(16)), "kid": b64(secrets.token_bytes(16))})
        if state.fault == "short_key":
            out[0]["k"] = b64(secrets.token_bytes(8))
        return out

    @app.post("/api/v1/license")
    async def license_temporary(request: Request) -> Any:
        got = await common(request)
        if isinstance(got, Response):
            return got
        body, kids = got
        if not body.get("session_id") or body.get("type") != "temporary":
            return _error(400, "session_id and type temporary are required", "bad_request")
        return {"keys": jwk(kids), "type": "temporary"}

    @app.post("/api/v1/license/offline")
    async def license_offline(request: Request) -> Any:
        got = await common(request)
        if isinstance(got, Response):
            return got
        body, kids = got
        renew = body.get("renew_license_id")
        if renew is not None and renew not in state.issued:
            return _error(404, "no licence with this id", "unknown_license")
        return state.offline_response(body["title_id"], kids, body["device_id"], license_id=renew)

    @app.get("/api/v1/license/public-key")
    async def public_key() -> dict[str, str]:
        return {"alg": "Ed25519", "public_key": b64(state.public_key_raw)}

    @app.get("/segment/{n}")
    async def segment(n: int) -> Response:
        """A stand-in media segment, to show licence acquisition overlapping segment fetches."""
        state.requests.append({"path": f"/segment/{n}", "t": time.monotonic()})
        await asyncio.sleep(0.02)
        return Response(bytes(1000), media_type="video/mp4")

    return app


@dataclass
class LicenceServer:
    base: str
    state: LicenceServerState

    @property
    def license_url(self) -> str:
        return f"{self.base}/api/v1/license"

    @property
    def offline_url(self) -> str:
        return f"{self.base}/api/v1/license/offline"

    @property
    def public_key_url(self) -> str:
        return f"{self.base}/api/v1/license/public-key"

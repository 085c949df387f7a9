"""The client side of the backend's HTTP contract (DESIGN.md "Backend HTTP API"): sign-in and playback sessions.

Only what the engine needs lives here; tokens are held in memory and never logged.
"""
from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from player.errors import PlayerError
from player.net.tls import tls_context

DEFAULT_API_URL = "http://127.0.0.1:8700"  # `reelbox backend` / `reelbox demo`
DEMO_LOGIN = ("demo@reelbox.local", "demo")


def api_url(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    """The backend to talk to: ``--backend``, else ``$REELBOX_BACKEND``, else the bundled backend's address."""
    return explicit or env.get("REELBOX_BACKEND") or DEFAULT_API_URL


def login_from_env(env: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """Headless front ends (CLI, QA, kiosk provisioning) sign in with ``$REELBOX_EMAIL``/``$REELBOX_PASSWORD``."""
    return env.get("REELBOX_EMAIL", DEMO_LOGIN[0]), env.get("REELBOX_PASSWORD", DEMO_LOGIN[1])


class BackendError(PlayerError):
    """The backend refused or failed a request; ``code`` is the server's reason code when it gave one."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True, kw_only=True)
class PlaybackInfo:
    """What ``POST /playback/{id}`` grants: one manifest URL per edge, the licence URL and the resume point."""

    session_id: str
    manifests: tuple[str, ...]
    license_url: str | None
    resume_s: float
    protected: bool
    kids: tuple[bytes, ...]
    max_height: int | None


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class BackendClient:
    """A signed-in connection to the backend API (``api_url`` is the server root, e.g. http://127.0.0.1:8700)."""

    def __init__(self, api_url: str, *, client: httpx.AsyncClient | None = None, timeout_s: float = 10.0) -> None:
        self.api_url = api_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout_s, verify=tls_context())
        self._owns_client = client is None
        self._access: str | None = None
        self._refresh: str | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        """The connection to the backend (also used for licences, so they reuse its keep-alive socket)."""
        return self._client

    @property
    def access_token(self) -> str:
        if self._access is None:
            raise BackendError("not signed in")
        return self._access

    @property
    def refresh_token(self) -> str | None:
        return self._refresh

    def _url(self, path: str) -> str:
        return f"{self.api_url}/api/v1{path}"

    async def _request(self, method: str, path: str, *, json: Any = None, auth: bool = True) -> Any:
        headers = {"Authorization": f"Bearer {self.access_token}"} if auth else {}
        try:
            response = await self._client.request(method, self._url(path), json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise BackendError(f"backend unreachable at {self.api_url}: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            detail, code = f"HTTP {response.status_code}", None
            try:
                body = response.json()
                detail = str(body.get("detail") or detail)
                code = body.get("code")
            except (ValueError, AttributeError):
                pass
            raise BackendError(f"{method} {path}: {detail}", status=response.status_code, code=code)
        return response.json() if response.content else None

    async def login(self, email: str, password: str) -> None:
        body = await self._request("POST", "/auth/login", json={"email": email, "password": password}, auth=False)
        self._access, self._refresh = body["access_token"], body.get("refresh_token")

    async def use_refresh_token(self, refresh_token: str) -> None:
        body = await self._request("POST", "/auth/refresh", json={"refresh_token": refresh_token}, auth=False)
        self._access, self._refresh = body["access_token"], body.get("refresh_token")

    async def open_playback(self, title_id: str, *, fmt: str = "dash", device_id: str | None = None,
                            purpose: str = "play") -> PlaybackInfo:
        """A grant for a play (a stream of the plan, URLs live while the session is) or a download."""
        request: dict[str, Any] = {"format": fmt, "purpose": purpose}
        if device_id:
            request["device_id"] = device_id
        body = await self._request("POST", f"/playback/{title_id}", json=request)
        return PlaybackInfo(
            session_id=body["session_id"],
            manifests=tuple(body["manifests"]),
            license_url=body.get("license_url"),
            resume_s=float(body.get("resume_s") or 0.0),
            protected=bool(body.get("protected")),
            kids=tuple(_b64url_decode(k) for k in body.get("kids") or ()),
            max_height=body.get("max_height"),
        )

    async def heartbeat(self, session_id: str) -> None:
        await self._request("POST", f"/playback/sessions/{session_id}/heartbeat")

    async def end_playback(self, session_id: str) -> None:
        await self._request("DELETE", f"/playback/sessions/{session_id}")

    async def title(self, title_id: str) -> dict[str, Any]:
        return await self._request("GET", f"/titles/{title_id}")

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

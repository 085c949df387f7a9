"""The one client of the backend's HTTP contract (DESIGN.md "Backend HTTP API") for engine, app, sync and QA.

One ``httpx.AsyncClient`` with the process's TLS context (:func:`player.net.tls.tls_context`), the
refresh flow of :class:`~player.backend.auth.TokenAuth`, and strict bodies: every failure is a
:class:`~player.backend.errors.BackendError` subclass. Screens, the uploader and the QA runner call
:meth:`BackendClient.request` for the endpoints only they use.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import httpx

from player.backend.address import API_PREFIX, server_root
from player.backend.auth import Tokens, TokenAuth
from player.backend.bodies import decode, field, json_object, optional
from player.backend.errors import BackendRefused, BackendUnreachable, BadResponse, SignInRequired
from player.net.tls import tls_context
from player.net.redact import redact


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
    live: bool = False
    dash_ll: tuple[str, ...] = ()  # a live title's low-latency MPD, one per edge (issue 15)

    @classmethod
    def from_json(cls, body: object, where: str) -> PlaybackInfo:
        obj = json_object(body, where)
        manifests = field(obj, "manifests", list, where)
        kids = optional(obj, "kids", list, where) or []
        if not all(isinstance(u, str) for u in manifests) or not all(isinstance(k, str) for k in kids):
            raise BadResponse(f"{where}: 'manifests' and 'kids' must be lists of strings")
        try:
            key_ids = tuple(base64.b64decode(k + "=" * (-len(k) % 4), altchars=b"-_", validate=True) for k in kids)
        except (binascii.Error, ValueError):
            raise BadResponse(f"{where}: a key id is not base64url") from None
        return cls(
            session_id=field(obj, "session_id", str, where), manifests=tuple(manifests),
            license_url=optional(obj, "license_url", str, where),
            resume_s=float(optional(obj, "resume_s", (int, float), where) or 0.0),
            protected=bool(obj.get("protected")), kids=key_ids, max_height=optional(obj, "max_height", int, where),
            live=bool(obj.get("live")), dash_ll=tuple(u for u in obj.get("dash_ll") or () if isinstance(u, str)),
        )


class BackendClient:
    """A connection to one backend (``api_url``: ``http://h:p`` or ``http://h:p/api/v1``), signed in or not."""

    def __init__(self, api_url: str, *, client: httpx.AsyncClient | None = None, timeout_s: float = 10.0) -> None:
        self.api_url = server_root(api_url)
        self._client = client or httpx.AsyncClient(timeout=timeout_s, verify=tls_context())
        self._owns_client = client is None
        self._tokens = Tokens()
        self._auth = TokenAuth(self._tokens, self._url("/auth/refresh"), self._url("/auth/login"))

    @property
    def http(self) -> httpx.AsyncClient:
        """The connection (licences reuse its keep-alive socket; it adds no token by itself)."""
        return self._client

    @property
    def access_token(self) -> str:
        if self._tokens.access is None:
            raise SignInRequired("not signed in")
        return self._tokens.access

    @property
    def refresh_token(self) -> str | None:
        return self._tokens.refresh

    @property
    def signed_in(self) -> bool:
        return self._tokens.access is not None

    def _url(self, path: str) -> str:
        return path if "://" in path else f"{self.api_url}{API_PREFIX}{path}"

    async def send(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
                   signed_in: bool = True) -> httpx.Response:
        """One request (``path`` under /api/v1, or a full URL); a 2xx response, else a BackendError.

        ``signed_in``: send the access token (refreshed once on 401) and require having one.
        """
        if signed_in and self._tokens.access is None:
            raise SignInRequired(f"{method} {path}: not signed in")
        auth: Any = self._auth if signed_in else httpx.USE_CLIENT_DEFAULT
        try:
            response = await self._client.request(method, self._url(path), json=json, params=params, auth=auth)
        except httpx.HTTPError as exc:
            raise BackendUnreachable(f"backend unreachable at {redact(self.api_url)}: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise _refusal(method, path, response)
        return response

    async def request(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
                      signed_in: bool = True) -> Any:
        """:meth:`send`, then the JSON body (``None`` when empty; BadResponse when not JSON)."""
        response = await self.send(method, path, json=json, params=params, signed_in=signed_in)
        return decode(response, f"{method} {path}")

    async def login(self, email: str, password: str) -> None:
        body = await self.request("POST", "/auth/login", json={"email": email, "password": password}, signed_in=False)
        self._tokens.update(body, "POST /auth/login")

    def keep_password(self, email: str, password: str) -> None:
        """Sign in again with these when a refresh is refused mid-command (a kept pair the backend dropped)."""
        self._auth.password_login = {"email": email, "password": password}

    def use_tokens(self, access_token: str, refresh_token: str | None) -> None:
        """Signed in with a pair kept from an earlier sign-in, without a request: the first 401 refreshes it."""
        self._tokens.access, self._tokens.refresh = access_token, refresh_token

    async def use_refresh_token(self, refresh_token: str) -> None:
        """Sign in with a remembered refresh token (the app's "remember me")."""
        body = await self.request("POST", "/auth/refresh", json={"refresh_token": refresh_token}, signed_in=False)
        self._tokens.update(body, "POST /auth/refresh")

    async def open_playback(self, title_id: str, *, fmt: str = "dash", device_id: str | None = None,
                            purpose: str = "play") -> PlaybackInfo:
        """A grant for a play (a stream of the plan, URLs live while the session is) or a download."""
        request: dict[str, Any] = {"format": fmt, "purpose": purpose}
        if device_id:
            request["device_id"] = device_id
        where = f"POST /playback/{title_id}"
        return PlaybackInfo.from_json(await self.request("POST", f"/playback/{title_id}", json=request), where)

    async def heartbeat(self, session_id: str) -> None:
        await self.send("POST", f"/playback/sessions/{session_id}/heartbeat")

    async def end_playback(self, session_id: str) -> None:
        await self.send("DELETE", f"/playback/sessions/{session_id}")

    async def title(self, title_id: str) -> dict[str, Any]:
        return json_object(await self.request("GET", f"/titles/{title_id}"), f"GET /titles/{title_id}")

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _refusal(method: str, path: str, response: httpx.Response) -> BackendRefused:
    detail, code = f"HTTP {response.status_code}", None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        detail = str(body.get("detail") or detail)
        code = body.get("code") if isinstance(body.get("code"), str) else None
    kind = SignInRequired if response.status_code == 401 else BackendRefused
    return kind(f"{method} {path}: {detail}", status=response.status_code, code=code)

"""Bearer tokens and the refresh flow, written once as an ``httpx.Auth`` (RFC 6750 bearer, RFC 9700 rotation).

Access tokens live ~15 minutes; a 401 on a signed-in request sends ``POST /auth/refresh`` with the
refresh token, stores the new pair and repeats the request once. The backend rotates refresh tokens
and revokes the whole login when a spent one is replayed, so two requests that meet a 401 together
must not both refresh: refreshes are serialised, and a request whose token was already replaced by
another's refresh just retries with the new one. When the refresh itself is refused (a kept pair the
backend no longer knows: revoked, or a backend that was reset) and the caller holds the password
(``password_login``), it signs in with it and repeats the request, rather than failing the command once.
Tokens and passwords live in memory only and are never logged.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import httpx

from player.backend.bodies import decode, json_object, text_field


@dataclass
class Tokens:
    """The current pair (``None`` until signed in)."""

    access: str | None = None
    refresh: str | None = None

    def update(self, body: object, where: str) -> None:
        """Take the pair from a login or refresh answer (BadResponse when it has no access token)."""
        obj = json_object(body, where)
        access = text_field(obj, "access_token", where)
        refresh = obj.get("refresh_token")
        self.access, self.refresh = access, refresh if isinstance(refresh, str) else None


class TokenAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` and refreshes once on 401; ``refresh_url`` is ``.../api/v1/auth/refresh``."""

    def __init__(self, tokens: Tokens, refresh_url: str, login_url: str) -> None:
        self.tokens = tokens
        self.refresh_url = refresh_url
        self.login_url = login_url
        self.password_login: dict[str, str] | None = None  # {"email", "password"}: sign in again when a refresh is refused
        self._refreshing = asyncio.Lock()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        sent_with = self.tokens.access
        if sent_with is not None:
            request.headers["Authorization"] = f"Bearer {sent_with}"
        response = yield request
        if response.status_code != 401 or self.tokens.refresh is None:
            return
        async with self._refreshing:
            if self.tokens.access == sent_with:  # nobody refreshed while this request was out
                answer = yield httpx.Request("POST", self.refresh_url, json={"refresh_token": self.tokens.refresh})
                await answer.aread()
                where = "POST /auth/refresh"
                if answer.status_code != 200 and self.password_login is not None:
                    answer = yield httpx.Request("POST", self.login_url, json=self.password_login)
                    await answer.aread()
                    where = "POST /auth/login"
                if answer.status_code != 200:
                    return  # the refusal (e.g. 401 refresh_reused, or the password's) is the answer
                self.tokens.update(decode(answer, where), where)
        request.headers["Authorization"] = f"Bearer {self.tokens.access}"
        yield request


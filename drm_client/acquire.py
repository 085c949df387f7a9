"""Licence acquisition over HTTP (layout contract: ``POST /api/v1/license``, ``/license/offline``).

The engine calls ``acquire_keys`` as an ``asyncio`` task *in parallel* with the first segment
fetches (the init and first media segments are useless without keys, but downloading them while
the licence round-trip runs hides its latency)::

    licence = asyncio.create_task(acquire_keys(url, kids, token=tok, session_id=sid, client=c))
    ...fetch init + first segments...
    ring = await licence            # KeyRing, or a named DrmError

Every failure becomes one named error (see ``drm_client.errors``): 4xx → ``LicenseDenied`` with the
server's ``code``/``reason`` (the layout's 403 body is ``{"detail", "code"}``), 5xx →
``LicenseServerError``, transport failures → ``LicenseUnreachable``, anything that is not the
ClearKey JSON we asked for → ``MalformedLicense``. The bearer token is sent, never logged.

Transient failures (unreachable, 5xx, 429) are retried with exponential back-off (:class:`LicenceRetry`,
issue 16: a lost licence request used to end the session); a denial is final at once.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from drm_client.clearkey import (
    b64url_decode,
    build_license_request,
    build_offline_request,
    decode_json_object,
    parse_license_keys,
)
from drm_client.errors import (
    LicenseDenied,
    LicenseError,
    LicenseServerError,
    LicenseUnreachable,
    MalformedLicense,
)
from drm_client.key_ring import KeyRing

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True, kw_only=True)
class LicenceRetry:
    """``attempts`` tries in all, ``base_s × 2^n`` apart (capped at ``max_s``); ``sleep`` is injectable."""

    attempts: int = 4
    base_s: float = 0.25
    max_s: float = 2.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def delay(self, attempt: int) -> float:
        return float(min(self.base_s * (2 ** attempt), self.max_s))


def _transient(exc: LicenseError) -> bool:
    return isinstance(exc, (LicenseUnreachable, LicenseServerError)) or (
        isinstance(exc, LicenseDenied) and exc.status == 429)

# Codes for statuses whose body may not carry one (layout contract: 401 bad token, 404 unknown kid).
_DEFAULT_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "unknown_kid",
                  422: "bad_request", 429: "rate_limited"}


async def acquire_keys(license_url: str, kids: Sequence[bytes], *, token: str | None, session_id: str,
                       client: httpx.AsyncClient | None = None,
                       timeout_s: float = DEFAULT_TIMEOUT_S,
                       timer: Callable[[], float] = time.perf_counter,
                       retry: LicenceRetry | None = None) -> KeyRing:
    """Fetch a ``temporary`` ClearKey licence for ``kids`` and return the keys in a ``KeyRing``.

    ``ring.license_ms`` is the wall time of the exchange (retries included), measured with ``timer``.
    """
    started = timer()
    body = build_license_request(kids, session_id=session_id)
    policy = retry or LicenceRetry()
    for attempt in range(policy.attempts):
        try:
            response = await _post_json(license_url, body, token=token, client=client, timeout_s=timeout_s)
            break
        except LicenseError as exc:
            if not _transient(exc) or attempt + 1 >= policy.attempts:
                raise
            log.info("licence attempt %d failed (%s); retrying", attempt + 1, type(exc).__name__)
            await policy.sleep(policy.delay(attempt))
    keys = parse_license_keys(response, kids, expected_type="temporary")
    elapsed_ms = (timer() - started) * 1000.0
    log.info("licence: %d key(s) for session %s in %.1f ms", len(keys), session_id, elapsed_ms)
    ring = KeyRing(keys, license_ms=elapsed_ms)
    keys.clear()
    return ring


async def acquire_offline_licence(license_url: str, kids: Sequence[bytes], *, token: str,
                                  title_id: str, device_id: str,
                                  renew_license_id: str | None = None,
                                  client: httpx.AsyncClient | None = None,
                                  timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
    """Fetch (or renew) a ``persistent-license``; returns the server's JSON for
    ``OfflineLicenceStore.save``/``renew``, which verifies the signature and seals the keys.

    ``license_url`` is the offline endpoint (``<api>/api/v1/license/offline``). The keys are
    validated here (ClearKey rules) so a bad response fails before anything is stored.
    """
    body = build_offline_request(kids, title_id=title_id, device_id=device_id,
                                 renew_license_id=renew_license_id)
    response = await _post_json(license_url, body, token=token, client=client, timeout_s=timeout_s)
    parse_license_keys(response, kids, expected_type="persistent-license")
    if not isinstance(response.get("license"), dict) or not isinstance(response.get("signature"), str):
        raise MalformedLicense("offline licence lacks 'license' or 'signature'")
    log.info("offline licence for title %s (%s)", title_id, "renewal" if renew_license_id else "new")
    return response


async def fetch_public_key(public_key_url: str, *, client: httpx.AsyncClient | None = None,
                           timeout_s: float = DEFAULT_TIMEOUT_S) -> bytes:
    """The server's raw 32-byte Ed25519 public key (``GET /api/v1/license/public-key``).

    Fetch it once while online and pin it in the ``OfflineLicenceStore``; offline verification
    then needs no network.
    """
    response = await _request("GET", public_key_url, None, token=None, client=client,
                              timeout_s=timeout_s)
    if response.get("alg") != "Ed25519":
        raise MalformedLicense(f"public key algorithm {response.get('alg')!r}, expected Ed25519")
    try:
        raw = b64url_decode(response.get("public_key"))
    except ValueError as exc:
        raise MalformedLicense("public key is not base64url") from exc
    if len(raw) != 32:
        raise MalformedLicense("Ed25519 public key must be 32 bytes")
    return raw


async def _post_json(url: str, body: dict[str, Any], *, token: str | None,
                     client: httpx.AsyncClient | None, timeout_s: float) -> dict[str, Any]:
    return await _request("POST", url, body, token=token, client=client, timeout_s=timeout_s)


async def _request(method: str, url: str, body: dict[str, Any] | None, *, token: str | None,
                   client: httpx.AsyncClient | None, timeout_s: float) -> dict[str, Any]:
    """One JSON exchange with the status mapped to our errors; httpx errors never escape."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    owned = client is None
    http = client if client is not None else httpx.AsyncClient(timeout=timeout_s)
    try:
        reply = await http.request(method, url, json=body, headers=headers, timeout=timeout_s)
        content = await reply.aread()
    except httpx.TimeoutException as exc:
        raise LicenseUnreachable(f"licence server timed out ({_safe_url(url)})") from exc
    except httpx.HTTPError as exc:
        raise LicenseUnreachable(f"licence server unreachable ({_safe_url(url)}): "
                                 f"{type(exc).__name__}") from exc
    finally:
        if owned:
            await http.aclose()
    status = reply.status_code
    if status >= 500:
        raise LicenseServerError(f"licence server error {status}: {_reason(content) or 'no detail'}",
                                 status=status)
    if status >= 400:
        reason, code = _reason_and_code(content)
        raise LicenseDenied(reason or f"HTTP {status}", code or _DEFAULT_CODES.get(status, f"http_{status}"),
                            status=status)
    if status != 200:
        raise MalformedLicense(f"unexpected HTTP {status} from the licence server")
    return decode_json_object(content)


def _reason_and_code(content: bytes) -> tuple[str | None, str | None]:
    """Read ``{"detail", "code"}`` (also nested as FastAPI's ``{"detail": {...}}``), leniently."""
    try:
        data = decode_json_object(content)
    except MalformedLicense:
        return None, None
    detail = data.get("detail")
    code = data.get("code")
    if isinstance(detail, dict):
        code = detail.get("code", code)
        detail = detail.get("detail") or detail.get("reason") or detail.get("message")
    return (str(detail)[:300] if detail else None), (str(code)[:64] if code else None)


def _reason(content: bytes) -> str | None:
    return _reason_and_code(content)[0]


def _safe_url(url: str) -> str:
    """The URL without its query string (signed URLs and tokens stay out of messages)."""
    return url.split("?", 1)[0]

"""The FastAPI application: routers under ``/api/v1``, error rendering, body limit, request logs.

Every error reaches the client as ``{"detail": "<sentence>", "code": "<code>"}``; validation errors
add ``errors`` (location + message, never the offending input, which may be a password). Unexpected
exceptions become a plain 500 — the traceback stays in the server log (type only in JSON logs).
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend_stub.api import (
    routes_admin, routes_auth, routes_catalog, routes_license, routes_playback, routes_progress, routes_qoe,
)
from backend_stub.api.context import AppContext
from backend_stub.api.errors import ApiError, Busy, RateLimited, Unauthorized
from backend_stub.api.limits import BodyLimitMiddleware
from backend_stub.api.logs import LOGGER_NAME, RequestLogMiddleware

PREFIX = "/api/v1"
log = logging.getLogger(LOGGER_NAME)


def _error(status: int, detail: str, code: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code, **extra}, status_code=status)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    resp = _error(exc.status, exc.detail, exc.code)
    if isinstance(exc, (RateLimited, Busy)):
        resp.headers["Retry-After"] = str(max(1, int(exc.retry_after_s + 0.999)))
    if isinstance(exc, Unauthorized):
        resp.headers["WWW-Authenticate"] = "Bearer"
    return resp


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()]
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        return _error(400, "malformed JSON body", "bad_json", errors=errors)
    first = errors[0] if errors else {"loc": [], "msg": "invalid"}
    return _error(422, f"invalid request: {'.'.join(first['loc'])}: {first['msg']}", "invalid_request", errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return _error(exc.status_code, str(exc.detail), code)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=(type(exc), exc, None), extra={"fields": {"path": request.url.path}})
    return _error(500, "internal error", "internal")


def create_app(ctx: AppContext) -> FastAPI:
    """Build the API around ``ctx``; the server process runs it with uvicorn."""
    app = FastAPI(
        title="Reelbox backend",
        version="1.0",
        description="Auth, catalog, playback sessions, ClearKey licences, progress, telemetry, admin (DESIGN.md).",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    for module in (routes_auth, routes_catalog, routes_playback, routes_license, routes_progress, routes_admin,
                   routes_qoe):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(routes_qoe.metrics_router)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(BodyLimitMiddleware, max_bytes=ctx.settings.max_body_bytes)
    app.add_middleware(RequestLogMiddleware)
    return app

"""Errors the API turns into HTTP answers; each carries a status and a machine-readable ``code``.

The exception handler in :mod:`backend_stub.api.app` renders every one as
``{"detail": "<sentence>", "code": "<code>"}`` (layout contract: licence and playback denials carry a
reason code). Anything else that escapes a route becomes a bare 500 with no stack trace.

::

    ApiError (500 internal)
    ├── BadRequest (400 bad_request)
    │   ├── PayloadTooLarge (413 too_large)
    │   └── SensitiveField (422 sensitive_field)
    ├── Unauthorized (401 unauthorized)
    │   ├── TokenExpired (401 token_expired)
    │   └── RefreshReused (401 refresh_reused: the whole token family is revoked)
    ├── Forbidden (403 forbidden)
    │   ├── NotEntitled (403 not_entitled)
    │   ├── TooManyStreams (403 too_many_streams)
    │   ├── SessionGone (403 no_session)
    │   └── AdminOnly (403 admin_only)
    ├── NotFound (404 not_found)
    ├── Conflict (409 conflict)
    ├── RateLimited (429 rate_limited, carries retry_after_s)
    └── Unavailable (503 unavailable)
        └── Busy (503 busy: too much work in progress, carries retry_after_s)
"""
from __future__ import annotations


class ApiError(Exception):
    """Base: an answer the client is allowed to see."""

    status = 500
    code = "internal"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class BadRequest(ApiError):
    status = 400
    code = "bad_request"


class PayloadTooLarge(BadRequest):
    status = 413
    code = "too_large"


class SensitiveField(BadRequest):
    status = 422
    code = "sensitive_field"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class TokenExpired(Unauthorized):
    code = "token_expired"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotEntitled(Forbidden):
    code = "not_entitled"


class TooManyStreams(Forbidden):
    code = "too_many_streams"


class SessionGone(Forbidden):
    code = "no_session"


class RefreshReused(Unauthorized):
    code = "refresh_reused"


class AdminOnly(Forbidden):
    code = "admin_only"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after_s: float) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class Unavailable(ApiError):
    status = 503
    code = "unavailable"


class Busy(Unavailable):
    """The server refuses more of a costly kind of work right now (password hashes): retry later."""

    code = "busy"

    def __init__(self, detail: str, *, retry_after_s: float) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s

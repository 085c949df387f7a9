"""The backend's HTTP API (DESIGN.md "Backend HTTP API", /tmp/layout.md contracts).

Public face::

    build_context(data_dir, *, clock=None, settings=None) -> AppContext
    create_app(ctx) -> FastAPI

Modules: ``app`` (assembly, error rendering), ``routes_*`` (HTTP layer), and one module per concern
holding the logic (``users``, ``tokens``, ``ratelimit``, ``catalog``, ``sessions``, ``licences``,
``progress``, ``telemetry``), plus ``keystore`` (secrets), ``store`` (tables), ``logs``, ``limits``.
"""
from __future__ import annotations

from pathlib import Path

from backend_stub.api.app import create_app
from backend_stub.api.clock import Clock, ManualClock, SystemClock
from backend_stub.api.context import AppContext
from backend_stub.api.keystore import load_secrets
from backend_stub.api.ratelimit import LoginRateLimiter
from backend_stub.api.sessions import SessionRegistry
from backend_stub.api.store import connect
from backend_stub.api.users import Passwords
from backend_stub.config import ApiSettings


def build_context(data_dir: Path, *, clock: Clock | None = None, settings: ApiSettings | None = None) -> AppContext:
    """Open the database and secrets of ``data_dir`` and the in-memory registries."""
    settings = settings or ApiSettings()
    return AppContext(
        data_dir=data_dir,
        db=connect(data_dir),
        clock=clock or SystemClock(),
        settings=settings,
        secrets=load_secrets(data_dir),
        sessions=SessionRegistry(ttl_s=settings.session_ttl_s),
        limiter=LoginRateLimiter(max_failures=settings.login_max_failures, window_s=settings.login_window_s),
        passwords=Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib),
    )


__all__ = ["AppContext", "Clock", "ManualClock", "SystemClock", "build_context", "create_app"]

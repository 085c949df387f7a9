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
from backend_stub.api.database import Database
from backend_stub.api.hash_gate import HashGate
from backend_stub.api.keystore import load_secrets
from backend_stub.api.quota import Quota
from backend_stub.api.ratelimit import LoginRateLimiter
from backend_stub.api.sessions import SessionRegistry
from backend_stub.api.store import connect, prepare
from backend_stub.api.telemetry_sink import TelemetrySink
from backend_stub.api.users import Passwords
from backend_stub.config import ApiSettings


def build_context(data_dir: Path, *, clock: Clock | None = None, settings: ApiSettings | None = None) -> AppContext:
    """Open the database and secrets of ``data_dir`` and the in-memory registries."""
    settings = settings or ApiSettings()
    prepare(data_dir)
    return AppContext(
        data_dir=data_dir,
        database=Database(lambda: connect(data_dir)),
        clock=clock or SystemClock(),
        settings=settings,
        secrets=load_secrets(data_dir),
        sessions=SessionRegistry(ttl_s=settings.session_ttl_s),
        limiter=LoginRateLimiter(max_failures=settings.login_max_failures, window_s=settings.login_window_s,
                                 max_address_failures=settings.login_address_max_failures),
        passwords=Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib),
        hashes=HashGate(concurrent=settings.hash_concurrency, waiting=settings.hash_waiting),
        registrations=Quota(rate=settings.register_per_s, burst=settings.register_burst, what="new accounts"),
        telemetry_events=Quota(rate=settings.telemetry_events_per_s, burst=settings.telemetry_events_burst,
                               what="telemetry events"),
        telemetry_bytes=Quota(rate=settings.telemetry_bytes_per_s, burst=settings.telemetry_bytes_burst,
                              what="telemetry bytes"),
        telemetry=TelemetrySink(data_dir / "backend.sqlite"),
    )


__all__ = ["AppContext", "Clock", "ManualClock", "SystemClock", "build_context", "create_app"]

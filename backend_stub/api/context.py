"""Everything a route needs, built once per backend: database (its worker thread), clock, secrets, limits, edges, ingest.

The routes find it at ``request.app.state.ctx``. Edges are listed by the server process after it has
started them (their ports are only known then), so ``edges`` is a mutable list the server fills.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from backend_stub.api.clock import Clock
from backend_stub.api.database import Database
from backend_stub.api.hash_gate import HashGate
from backend_stub.api.keystore import ServerSecrets
from backend_stub.api.quota import Quota
from backend_stub.api.ratelimit import LoginRateLimiter
from backend_stub.api.sessions import SessionRegistry
from backend_stub.api.telemetry_sink import TelemetrySink
from backend_stub.api.users import Passwords
from backend_stub.config import ApiSettings


class IngestPort(Protocol):
    """The encoder's job queue as the admin routes see it."""

    def submit(self, request: dict[str, Any]) -> str: ...

    def status(self, job_id: str) -> dict[str, Any] | None: ...


@dataclass(kw_only=True)
class AppContext:
    data_dir: Path
    database: Database  # every query goes through its worker thread, never on the loop
    clock: Clock
    settings: ApiSettings
    secrets: ServerSecrets
    sessions: SessionRegistry
    limiter: LoginRateLimiter
    passwords: Passwords
    hashes: HashGate
    registrations: Quota
    telemetry_events: Quota
    telemetry_bytes: Quota
    telemetry: TelemetrySink
    edges: list[Any] = field(default_factory=list)
    ingest: IngestPort | None = None

    def edge_urls(self) -> list[str]:
        return [str(e.url) for e in self.edges]

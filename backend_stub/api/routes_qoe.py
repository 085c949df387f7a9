"""``GET /api/v1/qoe`` (QoE summary per title and per CDN, administrators) and ``GET /metrics`` (Prometheus)."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from backend_stub.api.deps import admin_user, ctx_of
from backend_stub.api.metrics import CONTENT_TYPE
from backend_stub.api.qoe import load_events, sessions_from_events, summarise
from backend_stub.api.users import User

router = APIRouter(tags=["qoe"])
metrics_router = APIRouter(tags=["metrics"])


@router.get("/qoe")
async def get_qoe(request: Request, title: str | None = None, session_id: str | None = None,
                  _: User = Depends(admin_user)) -> dict[str, Any]:
    """QoE summary over stored telemetry (optionally one title or one session): see ``backend_stub/api/qoe.py``."""
    ctx = ctx_of(request)
    return await run_in_threadpool(_summary, ctx.data_dir / "backend.sqlite", title, session_id, ctx.edge_urls())


def _summary(database: Path, title: str | None, session_id: str | None, cdn_urls: list[str]) -> dict[str, Any]:
    """The summary, built in a worker thread on its own read connection (it reads every event)."""
    db = sqlite_utils.Database(sqlite3.connect(database, timeout=10))
    try:
        sessions = sessions_from_events(load_events(db, title_id=title))
    finally:
        db.conn.close()
    if session_id is not None:
        sessions = {k: v for k, v in sessions.items() if k == session_id}
    return summarise(sessions, cdn_urls=cdn_urls)


@metrics_router.get("/metrics", response_class=PlainTextResponse)
async def get_metrics(request: Request) -> PlainTextResponse:
    """Prometheus text exposition (unauthenticated, like any scrape target on a private network).

    The page is kept current by the telemetry writer; a scrape only copies it."""
    return PlainTextResponse(ctx_of(request).telemetry.metrics.text(), media_type=CONTENT_TYPE)

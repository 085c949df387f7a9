"""``GET /api/v1/qoe`` (QoE summary per title and per CDN, administrators) and ``GET /metrics`` (Prometheus)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from backend_stub.api.deps import admin_user, ctx_of
from backend_stub.api.metrics import CONTENT_TYPE, render_metrics
from backend_stub.api.qoe import load_events, sessions_from_events, summarise
from backend_stub.api.users import User

router = APIRouter(tags=["qoe"])
metrics_router = APIRouter(tags=["metrics"])


@router.get("/qoe")
async def get_qoe(request: Request, title: str | None = None, session_id: str | None = None,
                  _: User = Depends(admin_user)) -> dict[str, Any]:
    """QoE summary over stored telemetry (optionally one title or one session): see ``backend_stub/api/qoe.py``."""
    ctx = ctx_of(request)
    sessions = sessions_from_events(load_events(ctx.db, title_id=title))
    if session_id is not None:
        sessions = {k: v for k, v in sessions.items() if k == session_id}
    return summarise(sessions, cdn_urls=ctx.edge_urls())


@metrics_router.get("/metrics", response_class=PlainTextResponse)
async def get_metrics(request: Request) -> PlainTextResponse:
    """Prometheus text exposition (unauthenticated, like any scrape target on a private network)."""
    ctx = ctx_of(request)
    text = render_metrics(ctx.db, sessions_from_events(load_events(ctx.db)))
    return PlainTextResponse(text, media_type=CONTENT_TYPE)

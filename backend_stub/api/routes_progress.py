"""``PUT /progress/{id}``, ``GET /progress`` (continue watching) and ``POST /telemetry``.

No database work on the event loop: progress goes through the database's worker thread
(``ctx.database``), telemetry through the telemetry writer thread."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from backend_stub.api.catalog import get_title_row, public_title
from backend_stub.api.deps import client_address, ctx_of, current_user, optional_user
from backend_stub.api.errors import NotFound
from backend_stub.api.progress import ProgressUpdate, continue_watching, record, stored_progress
from backend_stub.api.routes_catalog import api_base
from backend_stub.api.telemetry import prepare
from backend_stub.api.users import User

router = APIRouter(tags=["progress"])


class ProgressBody(BaseModel):
    position_s: float = Field(ge=0, le=1e7)
    duration_s: float = Field(gt=0, le=1e7)
    device_id: str = Field(min_length=1, max_length=128)
    client_ts: float = Field(ge=0)
    event_id: str = Field(min_length=1, max_length=128)
    seq: float | None = Field(None, ge=0)  # per-device update counter (conflict rule 1, see progress.py)
    age_s: float = Field(0.0, ge=0, le=1e9)  # how long ago the client made this update, on its own clock


class TelemetryEvent(BaseModel):
    model_config = ConfigDict(extra="allow")
    event_id: str = Field(min_length=1, max_length=128)
    type: str = Field("", max_length=64)
    ts: float | None = None


class TelemetryBody(BaseModel):
    events: list[TelemetryEvent] = Field(max_length=500)


def _progress_json(row: dict[str, Any], applied: bool) -> dict[str, Any]:
    return {
        "applied": applied, "title_id": row["title_id"], "position_s": row["position_s"],
        "duration_s": row["duration_s"], "device_id": row["device_id"], "client_ts": row["client_ts"],
        "received_at": row["received_at"], "effective_at": row.get("effective_at"), "version": row.get("version"),
        "completed": bool(row.get("completed")),
    }


@router.put("/progress/{title_id}")
async def put_progress(
    title_id: str, body: ProgressBody, request: Request, user: User = Depends(current_user)
) -> dict[str, Any]:
    """Record a position unless the conflict rule (progress.py) finds the stored one newer (``applied: false``)."""
    ctx = ctx_of(request)
    await ctx.database.run(get_title_row, title_id)
    update = ProgressUpdate(title_id=title_id, **body.model_dump())
    applied, row = await ctx.database.run(record, user_id=user.id, update=update, now=ctx.clock.now(),
                          completed_fraction=ctx.settings.completed_fraction)
    return _progress_json(row, applied)


@router.get("/progress/{title_id}")
async def get_one_progress(title_id: str, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    """The stored position for one title (completed titles included), 404 when never watched."""
    ctx = ctx_of(request)
    row = await ctx.database.run(stored_progress, user_id=user.id, title_id=title_id)
    if row is None:
        raise NotFound(f"no progress for {title_id!r}")
    return _progress_json(row, True)


@router.get("/progress")
async def get_progress(request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    """Continue watching: titles started and under 95 % watched, newest first."""
    ctx = ctx_of(request)
    rows = await ctx.database.run(continue_watching, user_id=user.id, completed_fraction=ctx.settings.completed_fraction)
    base = api_base(request)
    return {
        "items": [
            {"title": public_title(r, api_base=base), "position_s": r["position_s"],
             "duration_s": r["watched_duration_s"], "device_id": r["device_id"], "client_ts": r["client_ts"],
             "received_at": r["received_at"], "effective_at": r["effective_at"], "version": r["version"]}
            for r in rows
        ]
    }


@router.post("/telemetry", tags=["telemetry"], openapi_extra={"requestBody": {
    "required": True, "content": {"application/json": {"schema": TelemetryBody.model_json_schema()}}}})
async def post_telemetry(request: Request, user: User | None = Depends(optional_user)) -> dict[str, int]:
    """Store a batch of events; duplicates (same ``event_id``) are ignored, unknown types rejected.

    Sign-in optional, but every account (or, signed out, every address) has a quota of events and
    bytes (429 past it); values are scrubbed of secrets. Parsing, checking and storing all happen off
    the event loop (a worker thread, then the telemetry writer thread)."""
    ctx = ctx_of(request)
    now = ctx.clock.now()
    key = f"user:{user.id}" if user else f"addr:{client_address(request)}"
    raw = await request.body()
    ctx.telemetry_bytes.take(key, len(raw), now=now)  # before any parsing: a flooder past it costs little
    events, rejected = await run_in_threadpool(_checked_batch, raw)
    ctx.telemetry_events.take(key, max(1, len(events)), now=now)
    accepted, duplicates = await ctx.telemetry.submit(events, user_id=user.id if user else None, now=now)
    return {"accepted": accepted, "duplicates": duplicates, "rejected": rejected}


def _checked_batch(raw: bytes) -> tuple[list[tuple[dict[str, Any], str]], int]:
    try:
        body = TelemetryBody.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    return prepare([e.model_dump() for e in body.events])

"""Admin routes: ingest jobs and edge faults (layout contract "Edge admin").

Only accounts with ``is_admin`` may call them; the demo user is an administrator so that the demo
and the tests can inject faults with the demo login (documented in README).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from starlette.concurrency import run_in_threadpool

from backend_stub.api.deps import admin_user, ctx_of
from backend_stub.api.errors import BadRequest, NotFound, Unavailable
from backend_stub.api.users import User
from backend_stub.edge.errors import EdgeError
from backend_stub.edge.faults import FaultConfig

router = APIRouter(prefix="/admin", tags=["admin"])


def _edge(request: Request, n: int) -> Any:
    edges = ctx_of(request).edges
    if not 0 <= n < len(edges):
        raise NotFound(f"no edge {n}; there are {len(edges)}", code="unknown_edge")
    return edges[n]


def _edge_json(n: int, edge: Any) -> dict[str, Any]:
    return {"index": n, **edge.summary()}


@router.get("/edges")
async def list_edges(request: Request, _: User = Depends(admin_user)) -> dict[str, Any]:
    """Every edge with its URL, active faults and a summary of its request log."""
    return {"edges": [_edge_json(n, e) for n, e in enumerate(ctx_of(request).edges)]}


@router.post("/edges/{n}/faults")
async def set_faults(
    n: int, request: Request, body: dict[str, Any] = Body(...), _: User = Depends(admin_user)
) -> dict[str, Any]:
    """Replace edge ``n``'s faults with ``body`` (``{}`` clears them)."""
    edge = _edge(request, n)
    try:
        config = FaultConfig.from_json(body)
    except EdgeError as exc:
        raise BadRequest(str(exc), code="bad_faults") from None
    edge.set_faults(config)
    return _edge_json(n, edge)


@router.post("/ingest", status_code=202)
async def ingest(request: Request, body: dict[str, Any] = Body(...), _: User = Depends(admin_user)) -> dict[str, Any]:
    """Queue a source video for encoding; returns the (idempotent) job id."""
    port = ctx_of(request).ingest
    if port is None:
        raise Unavailable("the encoder is not running", code="no_encoder")
    job_id = await run_in_threadpool(port.submit, body)  # the job queue is SQLite: off the loop
    return {"job_id": job_id, "status_url": f"/api/v1/admin/jobs/{job_id}"}


@router.get("/jobs/{job_id}")
async def job(job_id: str, request: Request, _: User = Depends(admin_user)) -> dict[str, Any]:
    """An ingest job's state and progress."""
    port = ctx_of(request).ingest
    if port is None:
        raise Unavailable("the encoder is not running", code="no_encoder")
    status = await run_in_threadpool(port.status, job_id)
    if status is None:
        raise NotFound(f"no job {job_id!r}", code="unknown_job")
    return status

"""``POST /playback/{id}`` (session + signed per-edge manifest URLs), heartbeat, end (layout contract).

Every edge gets its own URL to the same title so the player can fail over between CDNs. The token in
the path (``backend_stub.edge.signing``) covers one title, expires after ``edge_url_ttl_s``, carries the
plan's tallest rendition (the edge refuses taller ones) and, for a play, the session id: the edges
refuse it once the session has ended or missed its heartbeats for ``session_ttl_s`` (issue 16).
A ``purpose: "download"`` grant needs a plan with downloads, counts no stream and its URLs outlive the
session (the download manager ends it as soon as the manifests are in).
"""
from __future__ import annotations

from typing import Any, Literal

import sqlite_utils
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from backend_stub.api.catalog import get_title_row, kids_of_title
from backend_stub.api.deps import ctx_of, current_user
from backend_stub.api.errors import NotEntitled, SessionGone, Unavailable
from backend_stub.api.licences import kid_hex_to_b64
from backend_stub.api.progress import resume_position
from backend_stub.api.routes_catalog import api_base
from backend_stub.api.users import User
from backend_stub.edge.signing import signed_url

router = APIRouter(tags=["playback"])

MANIFEST = {"hls": "master.m3u8", "dash": "manifest.mpd"}
LIVE_MANIFEST = {**MANIFEST, "dash_ll": "manifest-ll.mpd"}  # backend_stub.live: low-latency DASH too


class PlaybackBody(BaseModel):
    format: Literal["dash", "hls"] = "dash"
    device_id: str = Field("unknown-device", min_length=1, max_length=128)
    purpose: Literal["play", "download"] = "play"


def _grant_facts(db: sqlite_utils.Database, title_id: str, *, user_id: int,
                 completed_fraction: float) -> tuple[dict[str, Any], list[str], float]:
    """The title, its KIDs and the viewer's resume point in one trip to a database thread: each trip is a
    thread hand-off, and a play's start waits for this answer (three trips cost ~6 ms of startup)."""
    row = get_title_row(db, title_id)
    kids = kids_of_title(db, title_id) if row.get("protected") else []
    return row, kids, resume_position(db, user_id=user_id, title_id=title_id, completed_fraction=completed_fraction)


@router.post("/playback/{title_id}")
async def open_playback(
    title_id: str, request: Request, body: PlaybackBody | None = None, user: User = Depends(current_user)
) -> dict[str, Any]:
    """Open a playback session; 403 ``too_many_streams`` when the plan's streams are all in use."""
    ctx = ctx_of(request)
    body = body or PlaybackBody()
    row, kid_hexes, resume = await ctx.database.run(
        _grant_facts, title_id, user_id=user.id, completed_fraction=ctx.settings.completed_fraction)
    edges = ctx.edge_urls()
    if not edges:
        raise Unavailable("no edge server is running", code="no_edges")
    now = ctx.clock.now()
    download = body.purpose == "download"
    if download and not user.plan.offline:
        raise NotEntitled(f"the {user.plan.name} plan does not include downloads")
    session = ctx.sessions.open(
        user_id=user.id, title_id=title_id, device_id=body.device_id, max_streams=user.plan.max_streams, now=now,
        streams=not download,
    )
    expires = int(now + ctx.settings.edge_url_ttl_s)
    bound = None if download else session.id
    urls = {
        fmt: [signed_url(e, ctx.secrets.edge_secret, title_id, name, expires, max_height=user.plan.max_height,
                         session=bound) for e in edges]
        for fmt, name in (LIVE_MANIFEST if row.get("live") else MANIFEST).items()
    }
    protected = bool(row.get("protected"))
    kids = [kid_hex_to_b64(k) for k in kid_hexes] if protected else []
    title_height = row.get("max_height") or user.plan.max_height
    return {
        "session_id": session.id,
        "manifests": urls[body.format],
        "hls": urls["hls"],
        "dash": urls["dash"],
        "license_url": f"{api_base(request)}/api/v1/license" if protected else None,
        "resume_s": resume,
        "protected": protected,
        "live": bool(row.get("live")),
        **({"dash_ll": urls["dash_ll"]} if "dash_ll" in urls else {}),
        "kids": kids,
        "max_height": min(int(title_height), user.plan.max_height),
        "expires_at": expires,
        "heartbeat_s": ctx.settings.session_ttl_s / 2,
    }


@router.post("/playback/sessions/{session_id}/heartbeat")
async def heartbeat(session_id: str, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    """Keep a session alive (it expires ``session_ttl_s`` after the last heartbeat), and with it its edge URLs;
    renews its licence to ``licence_ttl_s`` from now."""
    ctx = ctx_of(request)
    s = ctx.sessions.heartbeat(session_id, user_id=user.id, now=ctx.clock.now())
    return {"session_id": s.id, "expires_at": s.last_seen + ctx.settings.session_ttl_s,
            "license_expires_at": int(s.last_seen + ctx.settings.licence_ttl_s)}


@router.delete("/playback/sessions/{session_id}", status_code=204)
async def end_session(session_id: str, request: Request, user: User = Depends(current_user)) -> None:
    """End a session and free its stream."""
    if not ctx_of(request).sessions.end(session_id, user_id=user.id):
        raise SessionGone("no playback session with this id")

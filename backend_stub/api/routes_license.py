"""``POST /license``, ``POST /license/offline``, ``GET /license/public-key`` (layout contract)."""
from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from backend_stub.api.deps import ctx_of, current_user
from backend_stub.api.licences import b64url, offline_licence, temporary_licence
from backend_stub.api.logs import LOGGER_NAME
from backend_stub.api.users import User

router = APIRouter(tags=["licences"])
log = logging.getLogger(LOGGER_NAME)


class LicenseBody(BaseModel):
    kids: list[str] = Field(min_length=1, max_length=16)
    type: Literal["temporary"] = "temporary"
    session_id: str = Field(min_length=1, max_length=128)


class OfflineLicenseBody(BaseModel):
    kids: list[str] = Field(min_length=1, max_length=16)
    type: Literal["persistent-license"] = "persistent-license"
    title_id: str = Field(min_length=1, max_length=128)
    device_id: str = Field(min_length=1, max_length=128)
    renew_license_id: str | None = Field(None, max_length=128)


@router.post("/license")
async def license_temporary(body: LicenseBody, request: Request, user: User = Depends(current_user)) -> dict[str, Any]:
    """ClearKey keys for a live playback session of this user (W3C EME §9.1.4), valid ``licence_ttl_s``
    (renewed by the session's heartbeats)."""
    ctx = ctx_of(request)
    now = ctx.clock.now()
    session = ctx.sessions.live(body.session_id, user_id=user.id, now=now)
    out = await ctx.database.run(temporary_licence, kids=body.kids, session=session, now=now,
                                 ttl_s=ctx.settings.licence_ttl_s)
    log.info("licence", extra={"fields": {"type": "temporary", "user": user.id, "title": session.title_id,
                                          "kids": len(out["keys"])}})
    return out


@router.post("/license/offline")
async def license_offline(
    body: OfflineLicenseBody, request: Request, user: User = Depends(current_user)
) -> dict[str, Any]:
    """A signed persistent licence for a download (rental 30 d, playback window 48 h)."""
    ctx = ctx_of(request)
    out = await ctx.database.run(
        offline_licence, ctx.secrets, user=user, kids=body.kids, title_id=body.title_id, device_id=body.device_id,
        renew_license_id=body.renew_license_id, now=ctx.clock.now(), rental_s=ctx.settings.rental_s,
        playback_window_s=ctx.settings.playback_window_s,
    )
    log.info("licence", extra={"fields": {"type": "persistent-license", "user": user.id, "title": body.title_id,
                                          "renewal": body.renew_license_id is not None}})
    return out


@router.get("/license/public-key")
async def public_key(request: Request) -> dict[str, str]:
    """The Ed25519 key that signs offline licences (raw 32 bytes, base64url)."""
    return {"alg": "Ed25519", "public_key": b64url(ctx_of(request).secrets.public_key_raw())}

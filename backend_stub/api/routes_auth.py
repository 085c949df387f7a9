"""``/auth/register``, ``/auth/login``, ``/auth/refresh`` and ``/me`` (DESIGN.md backend contract)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from backend_stub.api.deps import client_address, ctx_of, current_user
from backend_stub.api.errors import Busy, Unauthorized
from backend_stub.api.tokens import issue_access, issue_refresh, rotate_refresh
from backend_stub.api.users import User, create_user, find_by_email, normalise_email
from backend_stub.config import DEFAULT_PLAN

router = APIRouter(tags=["auth"])


class RegisterBody(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=4, max_length=1024)
    plan: str = DEFAULT_PLAN


class LoginBody(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class RefreshBody(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id, "email": user.email, "plan": user.plan.name, "is_admin": user.is_admin,
        "max_streams": user.plan.max_streams, "max_height": user.plan.max_height, "offline": user.plan.offline,
    }


def _tokens(request: Request, user_id: int, refresh: str) -> dict[str, Any]:
    ctx = ctx_of(request)
    now = ctx.clock.now()
    return {
        "access_token": issue_access(ctx.secrets.jwt_key, user_id=user_id, now=now, ttl_s=ctx.settings.access_ttl_s),
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": int(ctx.settings.access_ttl_s),
    }


@router.post("/auth/register", status_code=201)
async def register(body: RegisterBody, request: Request) -> dict[str, Any]:
    """Create an account on a plan (no billing in the stub)."""
    ctx = ctx_of(request)
    email = normalise_email(body.email)
    ctx.registrations.take(client_address(request), 1, now=ctx.clock.now())
    ctx.hashes.admit()
    pw_hash = await ctx.hashes.run(ctx.passwords.hash, body.password)
    user = await ctx.database.run(create_user, email=email, password_hash=pw_hash, plan=body.plan, is_admin=False, now=ctx.clock.now())
    return {"user": user_json(user)}


@router.post("/auth/login")
async def login(body: LoginBody, request: Request) -> dict[str, Any]:
    """Exchange e-mail + password for an access token (~15 min) and a refresh token.

    The attempt is counted as a failure *before* the password is checked (atomic against bursts),
    and the check waits for one of a few hashing slots or is refused with 503 at once."""
    ctx = ctx_of(request)
    account = body.email.strip().lower()
    address = client_address(request)
    mark = ctx.limiter.reserve(account, address, now=ctx.clock.now())
    try:
        ctx.hashes.admit()
    except Busy:
        ctx.limiter.release(account, address, mark)
        raise
    try:
        found = await ctx.database.run(find_by_email, account)
    except BaseException:  # the place must come back, or enough failed lookups would lock every login out
        ctx.hashes.release()
        raise
    ok = await ctx.hashes.run(ctx.passwords.matches, found[1] if found else None, body.password)
    if not ok or found is None:
        raise Unauthorized("wrong e-mail or password", code="bad_credentials")
    ctx.limiter.succeeded(account, address, mark)
    user = found[0]
    refresh = await ctx.database.run(issue_refresh, user_id=user.id, now=ctx.clock.now(), ttl_s=ctx.settings.refresh_ttl_s)
    return {**_tokens(request, user.id, refresh), "user": user_json(user)}


@router.post("/auth/refresh")
async def refresh(body: RefreshBody, request: Request) -> dict[str, Any]:
    """Rotate a refresh token: a new pair; replaying a spent token revokes the whole login."""
    ctx = ctx_of(request)
    user_id, nxt = await ctx.database.run(rotate_refresh, body.refresh_token, now=ctx.clock.now(), ttl_s=ctx.settings.refresh_ttl_s)
    return _tokens(request, user_id, nxt)


@router.get("/me")
async def me(user: User = Depends(current_user)) -> dict[str, Any]:
    """The signed-in account and what its plan allows."""
    return {"user": user_json(user)}

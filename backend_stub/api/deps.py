"""FastAPI dependencies: the context, the signed-in user (Bearer access token), the admin check.

All are ``async``: the token is checked on the loop (cheap), the account is looked up on the
database's worker thread (:mod:`backend_stub.api.database`), never on the loop.
"""
from __future__ import annotations

from fastapi import Request

from backend_stub.api.context import AppContext
from backend_stub.api.errors import AdminOnly, Unauthorized
from backend_stub.api.tokens import verify_access
from backend_stub.api.users import User, get_user


def ctx_of(request: Request) -> AppContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    """The peer address (what per-address limits key on; no proxy headers are trusted)."""
    return request.client.host if request.client else "?"


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("expected 'Authorization: Bearer <access token>'")
    return token.strip()


async def user_from_token(ctx: AppContext, token: str) -> User:
    user_id = verify_access(ctx.secrets.jwt_key, token, now=ctx.clock.now())
    user = await ctx.database.run(get_user, user_id)
    if user is None:
        raise Unauthorized("account no longer exists")
    return user


async def current_user(request: Request) -> User:
    token = bearer(request)
    if token is None:
        raise Unauthorized("sign in first: missing access token")
    return await user_from_token(ctx_of(request), token)


async def optional_user(request: Request) -> User | None:
    token = bearer(request)
    return None if token is None else await user_from_token(ctx_of(request), token)


async def admin_user(request: Request) -> User:
    user = await current_user(request)
    if not user.is_admin:
        raise AdminOnly("administrators only")
    return user

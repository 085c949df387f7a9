"""``GET /catalog`` (list + FTS5 search, paginated), ``GET /titles/{id}`` and its artwork.

Every query runs on the database's worker thread (``ctx.database``), never on the event loop."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from backend_stub.api.catalog import get_title_row, public_title, search
from backend_stub.api.deps import ctx_of
from backend_stub.api.errors import NotFound
from backend_stub.db import content_root

router = APIRouter(tags=["catalog"])


def api_base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/catalog")
async def catalog(
    request: Request,
    q: str | None = Query(None, max_length=200),
    genre: str | None = Query(None, max_length=64),
    page: int = Query(1, ge=1, le=10_000),
    page_size: int | None = Query(None, ge=1),
) -> dict[str, Any]:
    """Titles matching ``q`` (every word, prefix match) and ``genre``; public, no sign-in needed."""
    ctx = ctx_of(request)
    size = min(page_size or ctx.settings.page_size, ctx.settings.max_page_size)
    result = await ctx.database.run(search, q=q, genre=genre, page=page, page_size=size, api_base=api_base(request))
    pages = (result.total + size - 1) // size
    return {"items": result.items, "page": result.page, "page_size": size, "total": result.total, "pages": pages}


@router.get("/titles/{title_id}")
async def title(title_id: str, request: Request) -> dict[str, Any]:
    """One title's details; 404 when unknown."""
    ctx = ctx_of(request)
    return public_title(await ctx.database.run(get_title_row, title_id), api_base=api_base(request))


@router.get("/titles/{title_id}/artwork", response_class=FileResponse)
async def artwork(title_id: str, request: Request) -> FileResponse:
    """The title's 2:3 poster (``content/<id>/artwork.jpg``)."""
    return await _art(request, title_id, "artwork.jpg")


@router.get("/titles/{title_id}/backdrop", response_class=FileResponse)
async def backdrop(title_id: str, request: Request) -> FileResponse:
    """The title's 16:9 backdrop (``content/<id>/backdrop.jpg``), a frame of its video."""
    return await _art(request, title_id, "backdrop.jpg")


async def _art(request: Request, title_id: str, name: str) -> FileResponse:
    ctx = ctx_of(request)
    await ctx.database.run(get_title_row, title_id)  # 404 for unknown titles before touching the file system
    path = content_root(ctx.data_dir) / title_id / name
    if not path.is_file():
        raise NotFound("this title has no artwork", code="no_artwork")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=3600"})

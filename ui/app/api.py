"""The catalog side of the backend HTTP contract that the app needs (DESIGN.md "Backend HTTP API").

``player.backend.BackendClient`` signs in, opens playback and refreshes an expired access token; this
adds what only screens need — catalog pages and search, title details, continue watching, artwork
bytes — over that same client. Malformed bodies become ``BadResponse``: everything is a ``BackendError``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from player.backend import BackendClient, BackendError, BadResponse


@dataclass(frozen=True, kw_only=True)
class Title:
    """One catalog title as the screens show it."""

    id: str
    name: str
    description: str
    genres: tuple[str, ...]
    cast: tuple[str, ...]
    year: int | None
    duration_s: float
    audio_langs: tuple[str, ...]
    subtitle_langs: tuple[str, ...]
    artwork_url: str
    protected: bool
    backdrop_url: str = ""  # 16:9 frame of the video (older backends have none: the poster stands in)
    live: bool = False  # a live channel: played at the live edge, never resumed, no length

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Title:
        try:
            return cls._from_json(body)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise BadResponse("a catalog title is malformed") from None

    @classmethod
    def _from_json(cls, body: dict[str, Any]) -> Title:
        return cls(
            id=str(body["id"]), name=str(body.get("name") or body["id"]), description=str(body.get("description") or ""),
            genres=tuple(body.get("genres") or ()), cast=tuple(body.get("cast") or ()), year=body.get("year"),
            duration_s=float(body.get("duration_s") or 0.0), audio_langs=tuple(body.get("audio_langs") or ()),
            subtitle_langs=tuple(body.get("subtitle_langs") or ()), artwork_url=str(body.get("artwork_url") or ""),
            protected=bool(body.get("protected")), backdrop_url=str(body.get("backdrop_url") or ""),
            live=body.get("live") is True,
        )


@dataclass(frozen=True, kw_only=True)
class Progress:
    """A continue-watching entry."""

    title: Title
    position_s: float
    duration_s: float


@dataclass(frozen=True, kw_only=True)
class HomeRows:
    """What the home screen shows, row by row."""

    live: tuple[Title, ...]
    continue_watching: tuple[Progress, ...]
    new: tuple[Title, ...]
    genres: tuple[tuple[str, tuple[Title, ...]], ...]


class CatalogApi:
    """Catalog calls through a :class:`BackendClient` (signed in when the account has one)."""

    def __init__(self, backend: BackendClient) -> None:
        self.backend = backend

    async def _get(self, path_or_url: str, *, params: dict[str, Any] | None = None) -> Any:
        return await self.backend.request("GET", path_or_url, params=params, signed_in=self.backend.signed_in)

    async def ping(self) -> bool:
        """True when the catalog answers (used by kiosk mode to notice the backend coming back)."""
        try:
            await self._get("/catalog", params={"page_size": 1})
            return True
        except BackendError:
            return False

    async def catalog(self, *, q: str | None = None, genre: str | None = None, page: int = 1, page_size: int = 100) -> list[Title]:
        params: dict[str, Any] = {"page": page, "page_size": page_size}
        if q:
            params["q"] = q
        if genre:
            params["genre"] = genre
        return [Title.from_json(item) for item in _items(await self._get("/catalog", params=params))]

    async def title(self, title_id: str) -> Title:
        return Title.from_json(await self._get(f"/titles/{title_id}"))

    async def progress(self) -> list[Progress]:
        try:
            return [
                Progress(title=Title.from_json(i["title"]), position_s=float(i["position_s"]),
                         duration_s=float(i["duration_s"] or 0))
                for i in _items(await self._get("/progress"))
            ]
        except (KeyError, TypeError, ValueError):
            raise BadResponse("GET /progress: an entry is malformed") from None

    async def resume_at(self, title_id: str) -> float:
        """Where continue watching says this title stopped (0 when never started or finished)."""
        for entry in await self.progress():
            if entry.title.id == title_id:
                return entry.position_s
        return 0.0

    async def artwork(self, url: str) -> bytes:
        return (await self.backend.send("GET", url, signed_in=self.backend.signed_in)).content

    async def home(self) -> HomeRows:
        """Live channels, Continue watching, New (newest year first), then one row per genre in alphabetical
        order. Live channels appear only in their own row: a channel has no length to resume or to be new."""
        everything = await self.catalog()
        live = tuple(t for t in everything if t.live)
        titles = [t for t in everything if not t.live]
        try:
            progress = tuple(p for p in await self.progress() if not p.title.live)
        except BackendError:
            progress = ()
        new = tuple(sorted(titles, key=lambda t: (-(t.year or 0), t.name))[:12])
        genres = sorted({g for t in titles for g in t.genres})
        rows = tuple((g, tuple(t for t in titles if g in t.genres)) for g in genres)
        return HomeRows(live=live, continue_watching=progress, new=new, genres=rows)



def _items(body: Any) -> list[Any]:
    items = body.get("items", []) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise BadResponse("a catalog page has no 'items' list")
    return items

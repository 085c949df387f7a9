"""Seek-bar thumbnails for front ends: time → (sprite sheet, crop rectangle), sheets fetched once.

The manifest's image track (:class:`~player.manifest.Thumbnails`) lists sprite sheets addressed like
segments; sheets come through the session's CDN pool (same signed URLs, same failover) and stay
in a small LRU cache, since hovering along the bar asks for the same sheet many times. Concurrent
requests for one sheet share one fetch. Front ends decode and crop; the engine hands out bytes.
"""
from __future__ import annotations

import asyncio
import bisect
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from player.manifest import Presentation, SegmentRef, Thumbnails
from player.net import CdnPool

FetchSheet = Callable[[SegmentRef], Awaitable[bytes]]
MAX_SHEETS = 8  # 8 sheets of 5×5 tiles every 2 s cover 400 s of hovering; ~30 KB each


@dataclass(frozen=True, kw_only=True)
class Tile:
    """Where the thumbnail for a time is: ``sheet`` and the pixel rectangle inside it."""

    sheet: SegmentRef
    x: int
    y: int
    width: int
    height: int

    @property
    def url(self) -> str:
        return self.sheet.urls[0]


def tile_at(thumbs: Thumbnails, time_s: float) -> Tile | None:
    """The tile showing ``time_s`` (clamped into the title); None when the track has no sheets."""
    if not thumbs.sheets or thumbs.tile_duration_s <= 0:
        return None
    i = max(0, bisect.bisect_right([s.start_s for s in thumbs.sheets], time_s) - 1)
    sheet = thumbs.sheets[i]
    per_sheet = thumbs.cols * thumbs.rows
    in_sheet = max(1, min(per_sheet, -int(-sheet.duration_s // thumbs.tile_duration_s)))  # tiles actually drawn
    n = max(0, min(in_sheet - 1, int((time_s - sheet.start_s) / thumbs.tile_duration_s)))
    return Tile(sheet=sheet, x=(n % thumbs.cols) * thumbs.tile_width, y=(n // thumbs.cols) * thumbs.tile_height,
                width=thumbs.tile_width, height=thumbs.tile_height)


class ThumbnailTrack:
    """``tile_at`` for a time, ``image_at`` for the sheet's bytes and the tile; run on the engine loop."""

    def __init__(self, thumbs: Thumbnails, fetch: FetchSheet, *, max_sheets: int = MAX_SHEETS) -> None:
        self.thumbs = thumbs
        self._fetch = fetch
        self._max = max(1, max_sheets)
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._pending: dict[str, asyncio.Task[bytes]] = {}
        self.fetches = 0  # sheets actually requested (tests, stats)

    def tile_at(self, time_s: float) -> Tile | None:
        return tile_at(self.thumbs, time_s)

    async def sheet(self, ref: SegmentRef) -> bytes:
        """The sheet's bytes, from the cache or one shared fetch."""
        key = ref.urls[0]
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        task = self._pending.get(key)
        if task is None:
            self.fetches += 1
            task = self._pending[key] = asyncio.ensure_future(self._fetch(ref))
            task.add_done_callback(lambda _t: self._pending.pop(key, None))
        body = await asyncio.shield(task)
        self._cache[key] = body
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return body

    async def image_at(self, time_s: float) -> tuple[bytes, Tile] | None:
        """The sheet holding ``time_s`` and where its tile is; None when there is no tile."""
        tile = self.tile_at(time_s)
        if tile is None:
            return None
        return await self.sheet(tile.sheet), tile


def pool_fetch(pool: CdnPool) -> FetchSheet:
    """Fetch a sheet like a segment: alternatives across the CDNs, the pool's failover and health."""
    async def fetch(ref: SegmentRef) -> bytes:
        return (await pool.fetch_ref(ref)).body

    return fetch


def thumbnail_track(presentation: Presentation | None, pool: CdnPool | None) -> ThumbnailTrack | None:
    """The session's track, when the manifest lists one and there is a network to fetch it over."""
    if presentation is None or presentation.thumbnails is None or pool is None:
        return None
    return ThumbnailTrack(presentation.thumbnails, pool_fetch(pool))

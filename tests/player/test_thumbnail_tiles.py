"""player.thumbnails: which tile shows a time, and sheets fetched once (no network, no clock)."""
from __future__ import annotations

import asyncio

from player.manifest import SegmentRef, Thumbnails
from player.thumbnails import ThumbnailTrack, tile_at


def _thumbs() -> Thumbnails:
    """3×2 tiles of 100×50, one per 2 s: sheet 1 covers 0–12 s, sheet 2 the last 5 s (a short last sheet)."""
    sheets = (SegmentRef(number=1, start_s=0.0, duration_s=12.0, urls=("http://a/1.jpg", "http://b/1.jpg")),
              SegmentRef(number=2, start_s=12.0, duration_s=5.0, urls=("http://a/2.jpg",)))
    return Thumbnails(cols=3, rows=2, tile_width=100, tile_height=50, tile_duration_s=2.0, sheets=sheets)


def test_times_map_to_tiles_row_by_row_and_sheet_by_sheet() -> None:
    thumbs = _thumbs()
    got = {t: tile_at(thumbs, t) for t in (0.0, 1.99, 2.0, 5.0, 7.0, 11.9, 12.0, 16.9)}
    assert {t: (g.url, g.x, g.y) for t, g in got.items() if g} == {
        0.0: ("http://a/1.jpg", 0, 0), 1.99: ("http://a/1.jpg", 0, 0), 2.0: ("http://a/1.jpg", 100, 0),
        5.0: ("http://a/1.jpg", 200, 0), 7.0: ("http://a/1.jpg", 0, 50), 11.9: ("http://a/1.jpg", 200, 50),
        12.0: ("http://a/2.jpg", 0, 0), 16.9: ("http://a/2.jpg", 200, 0),
    }
    assert all(g is not None and (g.width, g.height) == (100, 50) for g in got.values())


def test_times_outside_the_title_clamp_to_drawn_tiles() -> None:
    """Before the start: the first tile; past the end: the last tile actually drawn (the short sheet has 3)."""
    thumbs = _thumbs()
    first, last = tile_at(thumbs, -5.0), tile_at(thumbs, 99.0)
    assert first is not None and (first.url, first.x, first.y) == ("http://a/1.jpg", 0, 0)
    assert last is not None and (last.url, last.x, last.y) == ("http://a/2.jpg", 200, 0)
    assert tile_at(Thumbnails(cols=1, rows=1, tile_width=1, tile_height=1, tile_duration_s=1.0, sheets=()), 1.0) is None


def test_a_sheet_is_fetched_once_for_many_hovers_and_evicted_least_recent_first() -> None:
    asked: list[str] = []

    async def fetch(ref: SegmentRef) -> bytes:
        asked.append(ref.urls[0])
        await asyncio.sleep(0)  # still in flight when the other hovers ask
        return ref.urls[0].encode()

    async def hover() -> None:
        track = ThumbnailTrack(_thumbs(), fetch, max_sheets=1)
        got = await asyncio.gather(*(track.image_at(t) for t in (0.0, 3.0, 9.0, 11.0)))
        assert [(body, tile.x, tile.y) for body, tile in (g for g in got if g)] == [
            (b"http://a/1.jpg", 0, 0), (b"http://a/1.jpg", 100, 0), (b"http://a/1.jpg", 100, 50), (b"http://a/1.jpg", 200, 50)]
        assert await track.image_at(13.0) is not None  # the second sheet pushes the first out (max_sheets=1)
        assert await track.image_at(1.0) is not None
        assert asked == ["http://a/1.jpg", "http://a/2.jpg", "http://a/1.jpg"] and track.fetches == 3

    asyncio.run(hover())

"""HLS image media playlists (trick-play thumbnails): parsed into Presentation.thumbnails, never fatal to a load."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from player.manifest import ManifestError, load_presentation
from player.manifest.hls_image import image_playlist_url, parse_image_playlist

MASTER = """#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=426x240,CODECS="avc1.42c015"
v240.m3u8
#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=2000,RESOLUTION=640x360,CODECS="jpeg",URI="img/thumbs.m3u8"
"""
MEDIA = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n1.m4s\n#EXTINF:2.0,\n2.m4s\n#EXT-X-ENDLIST\n"
IMAGES = """#EXTM3U
#EXT-X-TARGETDURATION:40
#EXT-X-IMAGES-ONLY
#EXTINF:40.000,
#EXT-X-TILES:RESOLUTION=160x90,LAYOUT=4x2,DURATION=5.000
s/1.jpg
#EXTINF:12.500,
#EXT-X-TILES:RESOLUTION=160x90,LAYOUT=4x2,DURATION=5.000
s/2.jpg
#EXT-X-ENDLIST
"""


def test_the_image_playlist_gives_grid_tile_size_pace_and_sheets() -> None:
    assert image_playlist_url(MASTER, "http://h/t/master.m3u8") == "http://h/t/img/thumbs.m3u8"
    thumbs = parse_image_playlist(IMAGES, "http://h/t/img/thumbs.m3u8")
    assert thumbs is not None
    assert (thumbs.cols, thumbs.rows, thumbs.tile_width, thumbs.tile_height, thumbs.tile_duration_s) == (4, 2, 160, 90, 5.0)
    assert [(s.urls[0], s.start_s, s.duration_s) for s in thumbs.sheets] == [
        ("http://h/t/img/s/1.jpg", 0.0, 40.0), ("http://h/t/img/s/2.jpg", 40.0, 12.5)]


def test_untiled_or_malformed_image_playlists() -> None:
    assert parse_image_playlist(IMAGES.replace("#EXT-X-TILES", "#EXT-X-OTHER"), "http://h/i.m3u8") is None
    with pytest.raises(ManifestError):
        parse_image_playlist(IMAGES.replace("LAYOUT=4x2", "LAYOUT=4by2"), "http://h/i.m3u8")


def _fetcher(files: dict[str, str]) -> Callable[..., Awaitable[bytes]]:
    async def fetch(url: str, *_: object) -> bytes:
        if url not in files:
            raise OSError(f"404 {url}")
        return files[url].encode()
    return fetch


def test_a_load_reads_the_thumbnails_and_survives_a_missing_image_playlist() -> None:
    files = {"http://h/t/master.m3u8": MASTER, "http://h/t/v240.m3u8": MEDIA, "http://h/t/img/thumbs.m3u8": IMAGES}
    loaded = asyncio.run(load_presentation("http://h/t/master.m3u8", _fetcher(files)))
    assert loaded.thumbnails is not None and len(loaded.thumbnails.sheets) == 2
    del files["http://h/t/img/thumbs.m3u8"]
    without = asyncio.run(load_presentation("http://h/t/master.m3u8", _fetcher(files)))
    assert without.thumbnails is None and without.video_track() == loaded.video_track()

"""HLS image media playlists → :class:`~.model.Thumbnails` (Roku/Apple trick-play convention).

The master names the image playlist with ``#EXT-X-IMAGE-STREAM-INF:...,URI="..."``; the image
playlist lists sheets like segments (``#EXTINF`` + URI, so :func:`parse_media` addresses them)
with ``#EXT-X-TILES:RESOLUTION=WxH,LAYOUT=COLSxROWS,DURATION=S`` per sheet (tile size, grid,
seconds per tile). Only the first image stream and the first EXT-X-TILES are used: the front end
shows one size, and the encoder writes one grid per title.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from .errors import ManifestError
from .hls_playlist import decode, parse_attributes, parse_media, split_lines
from .model import Thumbnails
from .uris import resolve

IMAGE_STREAM = "#EXT-X-IMAGE-STREAM-INF:"
TILES = "#EXT-X-TILES:"
_PAIR = re.compile(r"^(\d{1,5})x(\d{1,5})$")


def image_playlist_url(master: str | bytes, url: str) -> str | None:
    """The first image playlist a multivariant playlist names, resolved against ``url``."""
    for n, line in split_lines(decode(master, url), url):
        if line.startswith(IMAGE_STREAM):
            uri = parse_attributes(line[len(IMAGE_STREAM):], url=url, line=n).get("URI")
            if uri:
                return resolve(url, uri)
    return None


def _pair(value: str | None, name: str, url: str) -> tuple[int, int]:
    m = _PAIR.match((value or "").strip())
    if not m or int(m.group(1)) == 0 or int(m.group(2)) == 0:
        raise ManifestError(f"EXT-X-TILES {name}={value!r} is not WxH", source=url)
    return int(m.group(1)), int(m.group(2))


def parse_image_playlist(data: str | bytes, url: str) -> Thumbnails | None:
    """Sheets and their grid; None when the playlist has no EXT-X-TILES (not a tiled image track)."""
    tiles = next((parse_attributes(line[len(TILES):], url=url, line=n)
                  for n, line in split_lines(decode(data, url), url) if line.startswith(TILES)), None)
    if tiles is None:
        return None
    sheets = parse_media(data, url).segments
    (tile_w, tile_h), (cols, rows) = _pair(tiles.get("RESOLUTION"), "RESOLUTION", url), _pair(tiles.get("LAYOUT"), "LAYOUT", url)
    try:
        per_tile = float(tiles.get("DURATION") or 0) or max(s.duration_s for s in sheets) / (cols * rows)
    except ValueError:
        raise ManifestError(f"EXT-X-TILES DURATION={tiles.get('DURATION')!r} is not a number", source=url) from None
    return Thumbnails(cols=cols, rows=rows, tile_width=tile_w, tile_height=tile_h, tile_duration_s=per_tile,
                      sheets=sheets) if sheets and per_tile > 0 else None


async def load_hls_thumbnails(master: str | bytes, url: str, fetch: Callable[[str], Awaitable[bytes]]) -> Thumbnails | None:
    """Fetch and parse the master's image playlist. Never fails the load: thumbnails are a nicety,
    and a title whose image playlist is missing or malformed still plays (None)."""
    try:
        image_url = image_playlist_url(master, url)
        return None if image_url is None else parse_image_playlist(await fetch(image_url), image_url)
    except Exception:  # noqa: BLE001 - any failure here only costs the seek-bar preview
        return None

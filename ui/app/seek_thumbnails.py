"""Seek-bar thumbnails for the app: the engine fetches sprite sheets, the UI decodes each once and crops.

Why this shape: the sheet comes over the network through the session's CDN pool, so the request
runs on the engine loop (never the UI thread); decoding a JPEG sheet is cheap but hovering asks for
the same sheet dozens of times, so decoded sheets are kept (a few, least recently used dropped).
While one request is out, only the newest hovered time is remembered: a fast sweep along the bar
costs one request at a time, and the preview ends on the time the pointer stopped at.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QImage

from player.playback import PlaybackSession
from ui.app.engine_thread import EngineThread

Show = Callable[[QImage], None]
MAX_DECODED = 6


class SeekThumbnails:
    """``request(time_s, show)``: ``show(tile image)`` later on the UI thread, when the title has thumbnails."""

    def __init__(self, engine: EngineThread, session: Callable[[], PlaybackSession | None]) -> None:
        self._engine = engine
        self._session = session
        self._decoded: OrderedDict[str, QImage] = OrderedDict()
        self._wanted: tuple[float, Show] | None = None
        self._busy = False
        self.decodes = 0  # sheets decoded (tests)

    def request(self, time_s: float, show: Show) -> None:
        self._wanted = (time_s, show)
        if not self._busy:
            self._next()

    def _next(self) -> None:
        session = self._session()
        if self._wanted is None or session is None:
            self._wanted = None
            return
        time_s, show = self._wanted
        self._wanted = None
        self._busy = True

        async def fetch() -> Any:
            track = session.thumbnails  # built on the engine loop, like everything of the session
            return None if track is None else await track.image_at(time_s)

        def done(result: Any) -> None:
            self._busy = False
            if result is not None:
                body, tile = result
                sheet = self._sheet(tile.url, body)
                if not sheet.isNull():
                    show(sheet.copy(tile.x, tile.y, tile.width, tile.height))
            self._next()

        def failed(_exc: BaseException) -> None:  # no thumbnail is no reason to bother anyone
            self._busy = False
            self._next()

        self._engine.submit(fetch(), done, failed)

    def _sheet(self, url: str, body: bytes) -> QImage:
        image = self._decoded.get(url)
        if image is None:
            image = QImage.fromData(body)
            self.decodes += 1
            self._decoded[url] = image
            while len(self._decoded) > MAX_DECODED:
                self._decoded.popitem(last=False)
        self._decoded.move_to_end(url)
        return image

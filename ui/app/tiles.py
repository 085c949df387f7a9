"""Artwork tiles and rows of them (home, search, TV). Artwork is fetched on the engine loop and cached."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from ui.app.api import Title
from ui.app.context import AppContext


class ArtworkCache:
    """URL → QPixmap; each URL is fetched once and every waiting tile is told."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._pixmaps: dict[str, QPixmap] = {}
        self._waiting: dict[str, list[Callable[[QPixmap], None]]] = {}

    def get(self, url: str, deliver: Callable[[QPixmap], None]) -> None:
        if not url or self.ctx.api is None:
            return
        if url in self._pixmaps:
            deliver(self._pixmaps[url])
            return
        if url in self._waiting:
            self._waiting[url].append(deliver)
            return
        self._waiting[url] = [deliver]

        def done(data: bytes) -> None:
            pixmap = QPixmap()
            pixmap.loadFromData(data)
            self._pixmaps[url] = pixmap
            for callback in self._waiting.pop(url, []):
                callback(pixmap)

        self.ctx.engine.submit(self.ctx.api.artwork(url), done, lambda exc: self._waiting.pop(url, None))


class Tile(QToolButton):
    """A focusable poster tile with its caption underneath; ``activated(title_id)`` on click, Enter or Space."""

    activated = Signal(str)

    def __init__(self, title: Title, cache: ArtworkCache, *, size: QSize, caption: str | None = None) -> None:
        super().__init__()
        self.title = title
        self.setObjectName("tile")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.setFixedSize(size.width() + 12, size.height() + 48)
        self.setIconSize(size)
        self.setText(caption or title.name)
        self.setToolTip(title.name)
        self.setAccessibleName(title.name)
        self.clicked.connect(lambda: self.activated.emit(self.title.id))
        cache.get(title.artwork_url, self._set_art)

    def _set_art(self, pixmap: QPixmap) -> None:
        try:
            self.setIcon(pixmap.scaled(self.iconSize(), Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation))
        except RuntimeError:  # tile deleted while the artwork was on its way
            pass


class TileRow(QWidget):
    """A heading and a horizontally scrolling row of tiles."""

    activated = Signal(str)

    def __init__(self, heading: str, titles: list[tuple[Title, str | None]], cache: ArtworkCache, *, tile_size: QSize) -> None:
        super().__init__()
        self.heading = heading
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(heading)
        label.setObjectName("rowHeading")
        layout.addWidget(label)
        strip = QWidget()
        row = QHBoxLayout(strip)
        row.setContentsMargins(4, 4, 4, 4)
        self.tiles: list[Tile] = []
        for title, caption in titles:
            tile = Tile(title, cache, size=tile_size, caption=caption)
            tile.activated.connect(self.activated)
            row.addWidget(tile)
            self.tiles.append(tile)
        row.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(strip)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFixedHeight(tile_size.height() + 70)
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.scroll = scroll
        for tile in self.tiles:
            tile.installEventFilter(self)
        layout.addWidget(scroll)

    def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.FocusIn and isinstance(watched, Tile):
            self.scroll.ensureWidgetVisible(watched, 40, 0)
        return False

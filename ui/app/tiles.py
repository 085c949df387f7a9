"""Artwork tiles and rows of them (home, search, TV). Artwork is fetched on the engine loop and cached."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPixmap
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


CAPTION_LINES = 2


def caption_lines(text: str, metrics: QFontMetrics, width: int, max_lines: int = CAPTION_LINES) -> list[str]:
    """Word-wrap ``text`` into at most ``max_lines`` lines of ``width`` pixels, the last elided at its end.

    Why: a QToolButton draws one line and elides in the middle ("Colour …at Dawn"), which hides the
    words people read first.
    """
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines - 1:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        if metrics.horizontalAdvance(line) > width:
            words.insert(0, line)  # one long word: leave it to the elided last line
            break
        lines.append(line)
    if words:
        lines.append(metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width))
    return lines


class Tile(QToolButton):
    """A focusable poster tile with its caption underneath; ``activated(title_id)`` on click, Enter or Space."""

    activated = Signal(str)

    def __init__(self, title: Title, cache: ArtworkCache, *, size: QSize, caption: str | None = None) -> None:
        super().__init__()
        self.title = title
        self.setObjectName("tile")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.setIconSize(size)
        self.caption = caption or title.name
        self._fit_caption()
        self.setToolTip(title.name)
        self.setAccessibleName(title.name)
        self.clicked.connect(lambda: self.activated.emit(self.title.id))
        cache.get(title.artwork_url, self._set_art)

    def _fit_caption(self) -> None:
        """Wrap the caption for the font in effect (the style sheet's size arrives when the tile is polished)."""
        metrics, size = self.fontMetrics(), self.iconSize()
        self.setFixedSize(size.width() + 12, size.height() + 24 + CAPTION_LINES * metrics.lineSpacing())
        self.setText("\n".join(caption_lines(self.caption, metrics, size.width())))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_caption()
        super().changeEvent(event)

    def _set_art(self, pixmap: QPixmap) -> None:
        try:
            self.setIcon(pixmap.scaled(self.iconSize(), Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation))
        except RuntimeError:  # tile deleted while the artwork was on its way
            pass


class TileRow(QWidget):
    """A heading and a horizontally scrolling row of tiles."""

    activated = Signal(str)
    focused = Signal(QWidget)  # a tile took focus: the home screen scrolls it into view vertically

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
        self._strip_margin = 8
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.scroll = scroll
        for tile in self.tiles:
            tile.installEventFilter(self)
        layout.addWidget(scroll)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as the tiles (their captions follow the style sheet's font) plus the scroll bar, so the
        focus ring is never clipped."""
        tiles = max((t.height() for t in self.tiles), default=0)
        bar = self.scroll.horizontalScrollBar().sizeHint().height()
        self.scroll.setFixedHeight(tiles + self._strip_margin + bar)

    def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
        if isinstance(watched, Tile):
            if event.type() == QEvent.Type.FocusIn:
                self.scroll.ensureWidgetVisible(watched, 40, 0)
                self.focused.emit(watched)
            elif event.type() == QEvent.Type.Resize:
                self._fit_height()
        return False

"""Artwork tiles and rows of them (home, search, TV). Artwork is fetched on the engine loop and cached."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPixmap
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
CAPTION_INSET = 12
POSTERS_PER_ROW = 8  # at most, on a wide window (about what Jellyfin and Plex show at 1080p)


def caption_lines(text: str, metrics: QFontMetrics, width: int, max_lines: int = CAPTION_LINES) -> list[str]:
    """Word-wrap ``text`` into at most ``max_lines`` lines of ``width`` pixels, the last elided at its end.

    Why: a QToolButton draws one line and elides in the middle ("Colour …at Dawn"), which hides the
    words people read first.
    """
    if "\n" in text:  # explicit lines (name, then "5 min left"): one line each, elided at the end
        return [metrics.elidedText(part, Qt.TextElideMode.ElideRight, width) for part in text.split("\n")[:max_lines]]
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


ACCENT = QColor("#3d9be9")
LIVE_RED = QColor("#e50914")


def paint_live_badge(p: QPainter, poster: QSize) -> QRect:
    """A red "LIVE" badge in the poster's top-left corner, its type scaled to the poster (legible at TV
    distance, as the broadcasters' apps draw it); returns where it went."""
    font = p.font()
    font.setBold(True)
    font.setPixelSize(max(12, poster.height() // 14))
    p.setFont(font)
    metrics = QFontMetrics(font)
    pad = max(4, font.pixelSize() // 3)
    badge = QRect(pad, pad, metrics.horizontalAdvance("LIVE") + 2 * pad, metrics.height() + pad)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(LIVE_RED)
    p.drawRoundedRect(badge, 3, 3)
    p.setPen(QColor("#ffffff"))
    p.drawText(badge, Qt.AlignmentFlag.AlignCenter, "LIVE")
    return badge


class Tile(QToolButton):
    """A focusable poster tile with its caption underneath; ``activated(title_id)`` on click, Enter or Space.

    ``progress`` (0–1, continue watching) is drawn as a bar along the poster's foot, as the media apps do;
    a live channel carries a LIVE badge."""

    activated = Signal(str)

    def __init__(self, title: Title, cache: ArtworkCache, *, size: QSize, caption: str | None = None,
                 progress: float | None = None) -> None:
        super().__init__()
        self.title = title
        self.progress = None if progress is None else max(0.0, min(1.0, progress))
        self.art: QPixmap | None = None
        self.badge: QRect | None = None  # where the LIVE badge was drawn (live channels)
        self.setObjectName("tile")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.setIconSize(size)
        self.caption = caption or title.name
        self._fit_caption()
        self.setToolTip(title.name)
        self.setAccessibleName(title.name)
        self.clicked.connect(lambda: self.activated.emit(self.title.id))
        self._render_icon()
        cache.get(title.artwork_url, self._set_art)

    def resize_poster(self, size: QSize) -> None:
        """A new poster size (rows fit their tiles to the width)."""
        if size != self.iconSize():
            self.setIconSize(size)
            self._fit_caption()
            self._render_icon()

    def _fit_caption(self) -> None:
        """Wrap the caption for the font in effect (the style sheet's size arrives when the tile is polished)."""
        metrics, size = self.fontMetrics(), self.iconSize()
        self.setFixedSize(size.width() + 12, size.height() + 24 + CAPTION_LINES * metrics.lineSpacing())
        # the text area is narrower than the poster by the border and padding (else Qt elides mid-word)
        self.setText("\n".join(caption_lines(self.caption, metrics, size.width() - CAPTION_INSET)))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_caption()
        super().changeEvent(event)

    def _set_art(self, pixmap: QPixmap) -> None:
        self.art = pixmap
        try:
            self._render_icon()
        except RuntimeError:  # tile deleted while the artwork was on its way
            pass

    def _render_icon(self) -> None:
        """The poster (or a placeholder) at the tile's size, with the progress bar on it."""
        size = self.iconSize()
        canvas = QPixmap(size)
        canvas.fill(QColor("#262626"))
        p = QPainter(canvas)
        if self.art is not None and not self.art.isNull():
            scaled = self.art.scaled(size, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                                     Qt.TransformationMode.SmoothTransformation)
            p.drawPixmap(0, 0, scaled, (scaled.width() - size.width()) // 2, (scaled.height() - size.height()) // 2,
                         size.width(), size.height())
        if self.progress is not None:
            bar = max(4, size.height() // 40)
            p.fillRect(QRect(0, size.height() - bar, size.width(), bar), QColor(0, 0, 0, 170))
            p.fillRect(QRect(0, size.height() - bar, round(size.width() * self.progress), bar), ACCENT)
        if self.title.live:
            if self.art is None or self.art.isNull():  # a channel has no poster: its name stands in
                font = p.font()
                font.setPixelSize(max(12, size.height() // 12))
                p.setFont(font)
                p.setPen(QColor("#bdbdbd"))
                p.drawText(QRect(8, 0, size.width() - 16, size.height()),
                           Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.title.name)
            self.badge = paint_live_badge(p, size)
        p.end()
        self.setIcon(canvas)


class TileRow(QWidget):
    """A heading and a horizontally scrolling row of tiles."""

    activated = Signal(str)
    focused = Signal(QWidget)  # a tile took focus: the home screen scrolls it into view vertically

    def __init__(self, heading: str, titles: list[tuple[Title, str | None]] | list[tuple[Title, str | None, float | None]],
                 cache: ArtworkCache, *, tile_size: QSize) -> None:
        super().__init__()
        self.heading = heading
        self.base_size = tile_size
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(heading)
        label.setObjectName("rowHeading")
        layout.addWidget(label)
        strip = QWidget()
        row = QHBoxLayout(strip)
        row.setContentsMargins(4, 4, 4, 4)
        self.tiles: list[Tile] = []
        self.strip_layout = row
        for entry in titles:
            title, caption = entry[0], entry[1]
            tile = Tile(title, cache, size=tile_size, caption=caption, progress=entry[2] if len(entry) > 2 else None)
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

    def resizeEvent(self, event: QEvent) -> None:  # type: ignore[override]
        """Size posters so that whole tiles fill the row's width (a full row ends flush with the page)."""
        super().resizeEvent(event)
        if not self.tiles:
            return
        margins = self.strip_layout.contentsMargins()
        room = self.scroll.viewport().width() - margins.left() - margins.right()
        gap = max(self.strip_layout.spacing(), 0)
        chrome = self.tiles[0].width() - self.tiles[0].iconSize().width()  # padding + border around the poster
        base = max(self.base_size.width(), room // POSTERS_PER_ROW) + chrome  # bigger screens, bigger posters
        count = max(1, (room + gap) // (base + gap))
        width = max(self.base_size.width() * 3 // 4, (room + gap) // count - gap - chrome)
        for tile in self.tiles:
            tile.resize_poster(QSize(width, width * 3 // 2))

    def eventFilter(self, watched, event):  # type: ignore[no-untyped-def]
        if isinstance(watched, Tile):
            if event.type() == QEvent.Type.FocusIn:
                self.scroll.ensureWidgetVisible(watched, 40, 0)
                self.focused.emit(watched)
            elif event.type() == QEvent.Type.Resize:
                self._fit_height()
        return False

"""Home: a featured title over its backdrop (the hero), a Live row, Continue watching with progress bars,
New, one row per genre; search as you type (debounced, on the engine loop).

A live channel's tile plays at once, at the live edge: there is no position to resume and nothing on
its title page that a viewer needs before watching (issue 15)."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from ui.app.api import HomeRows, Title
from ui.app.context import AppContext
from ui.app.errors import sentence
from ui.app.format import duration_text
from ui.app.hero import Hero
from ui.app.tiles import ArtworkCache, TileRow

SEARCH_DEBOUNCE_MS = 250


class HomeScreen(QWidget):
    """``open_title(title_id)`` when a tile is chosen; ``play_title(title, None)`` for a live channel's tile (None:
    at the channel's hold-back point, since a live play reads a number as a position on its timeline)."""

    name = "home"
    open_title = Signal(str)
    play_title = Signal(object, object)  # the hero's Play: (Title, start position or None)
    loaded = Signal()

    def __init__(self, ctx: AppContext, cache: ArtworkCache) -> None:
        super().__init__()
        self.ctx = ctx
        self.cache = cache
        self.tile_size = QSize(200, 300) if ctx.ten_foot else QSize(120, 180)  # posters are 2:3
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles, cast, genres…")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.status = QLabel("")
        self.status.setObjectName("errorText")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.rows_host = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_host)
        self.rows_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.hero = Hero(ten_foot=ctx.ten_foot)
        self.hero.hide()
        self.hero.info.connect(self.open_title)
        self.hero.play.connect(lambda _tid, start: self.hero.title and self.play_title.emit(self.hero.title, start))
        self.rows_layout.addWidget(self.hero)
        scroll = QScrollArea()
        scroll.setWidget(self.rows_host)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll = scroll
        layout.addWidget(scroll, 1)
        self.rows: list[TileRow] = []
        self._shown: dict[str, Title] = {}  # every title on a tile, by id
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self._query_seq = 0
        self._focus_when_loaded = False

    def focus_first(self) -> None:
        if self.hero.isVisible():
            self.hero.play_button.setFocus()
            self.scroll.ensureVisible(0, 0)
        elif self.rows and self.rows[0].tiles:
            self.rows[0].tiles[0].setFocus()
        else:
            self._focus_when_loaded = True  # the first tile takes focus once the rows arrive
            self.search.setFocus()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The hero takes about half the screen, so the first row shows under it (Plex, Jellyfin)."""
        self.hero.setFixedHeight(max(self.hero.min_height, min(int(self.height() * 0.5), 560)))
        super().resizeEvent(event)

    # -- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        if self.ctx.api is None:
            return
        self.status.setText("Loading…")
        self._query_seq += 1
        seq = self._query_seq
        self.ctx.engine.submit(self.ctx.api.home(), lambda rows: seq == self._query_seq and self._show_home(rows), self._failed)

    def show_offline(self, titles: list[tuple[Title, str | None]]) -> None:
        """Kiosk fallback: only what is downloaded."""
        self.status.setText("The Reelbox service cannot be reached; showing your downloads. It will reconnect by itself.")
        self.hero.hide()
        self._set_rows([("Downloaded", titles)])

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(sentence(exc))

    def _show_home(self, rows: HomeRows) -> None:
        self.status.setText("")
        spec: list[tuple[str, list[tuple[Title, str | None, float | None]]]] = []
        if rows.live:
            spec.append(("Live", [(t, None, None) for t in rows.live]))
        if rows.continue_watching:
            spec.append(("Continue watching", [
                (p.title, f"{p.title.name}\n{duration_text(max(p.duration_s - p.position_s, 0))} left",
                 p.position_s / p.duration_s if p.duration_s else None) for p in rows.continue_watching]))
        if rows.new:
            spec.append(("New", [(t, None, None) for t in rows.new]))
        spec.extend((genre, [(t, None, None) for t in titles]) for genre, titles in rows.genres)
        if not spec:
            self.status.setText("The catalog is empty. Add titles on the backend, then come back.")
        self._feature(rows)
        self._set_rows(spec)
        if self._focus_when_loaded and self.search.hasFocus() and not self.search.text():
            self.focus_first()
        self._focus_when_loaded = False

    def _feature(self, rows: HomeRows) -> None:
        """The hero: what the viewer was watching last, else the newest title."""
        if rows.continue_watching:
            first = rows.continue_watching[0]
            title, resume = first.title, first.position_s
        elif rows.new:
            title, resume = rows.new[0], 0.0
        else:
            self.hero.hide()
            return
        self.hero.show_title(title, resume_s=resume)
        self.hero.set_pixmap(None)
        self.cache.get(title.backdrop_url or title.artwork_url, self._hero_art(title.id))
        self.hero.show()

    def _hero_art(self, title_id: str):  # type: ignore[no-untyped-def]
        def deliver(pixmap: QPixmap) -> None:
            if self.hero.title is not None and self.hero.title.id == title_id:
                self.hero.set_pixmap(pixmap)
        return deliver

    def _set_rows(self, spec: list[tuple[str, list[tuple[Title, str | None, float | None]]]] | list) -> None:  # type: ignore[type-arg]
        had_focus = any(t.hasFocus() for r in self.rows for t in r.tiles) or self.hero.play_button.hasFocus()
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        self._shown = {entry[0].id: entry[0] for _, titles in spec for entry in titles}
        for heading, titles in spec:
            row = TileRow(heading, titles, self.cache, tile_size=self.tile_size)
            row.activated.connect(self._activated)
            row.focused.connect(lambda tile: self.scroll.ensureWidgetVisible(tile, 0, 24))
            self.rows_layout.addWidget(row)
            row.show()  # a layout shows new children only later (queued); focus needs them visible now
            self.rows.append(row)
        self.rows_layout.activate()  # place the tiles now, so arrow navigation sees where they are
        if had_focus:
            self.focus_first()
        self.loaded.emit()

    def _activated(self, title_id: str) -> None:
        title = self._shown.get(title_id)
        if title is not None and title.live:
            self.play_title.emit(title, None)
        else:
            self.open_title.emit(title_id)

    # -- search -----------------------------------------------------------------------------
    def _run_search(self) -> None:
        query = self.search.text().strip()
        if self.ctx.api is None:
            return
        if not query:
            self.reload()
            return
        self._query_seq += 1
        seq = self._query_seq

        def show(results: list[Title]) -> None:
            if seq != self._query_seq:
                return  # a newer query is on its way
            self.status.setText("" if results else f"Nothing matches “{query}”. Try fewer or different words.")
            self.hero.hide()
            self._set_rows([(f"Results for “{query}”", [(t, None) for t in results])] if results else [])

        self.ctx.engine.submit(self.ctx.api.catalog(q=query), show, self._failed)

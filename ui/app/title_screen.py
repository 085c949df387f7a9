"""A title page over the title's backdrop: poster, name, facts, description, cast, languages,
Play / Resume at mm:ss, Start over, Download."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ui.app.hero import Backdrop

from ui.app.api import Title
from ui.app.context import AppContext
from ui.app.errors import sentence
from ui.app.format import clock_text, duration_text
from ui.app.tiles import ArtworkCache


class TitleScreen(QWidget):
    """``play(title_id, start_s)`` for Play/Resume/Start over; ``download(title_id)`` for Download."""

    name = "title"
    play = Signal(str, object)  # (title id, start position; None for a live channel: at its hold-back point)
    download = Signal(str)
    loaded = Signal()

    def __init__(self, ctx: AppContext, cache: ArtworkCache) -> None:
        super().__init__()
        self.ctx = ctx
        self.cache = cache
        self.title: Title | None = None
        self.resume_s = 0.0
        art = QSize(360, 540) if ctx.ten_foot else QSize(300, 450)  # posters are 2:3
        self.art = QLabel()
        self.art.setFixedSize(art)
        self.art.setObjectName("artwork")
        self.heading = QLabel("")
        self.heading.setObjectName("screenHeading")
        self.heading.setWordWrap(True)
        self.meta = QLabel("")
        self.description = QLabel("")
        self.description.setWordWrap(True)
        self.cast = QLabel("")
        self.cast.setWordWrap(True)
        self.langs = QLabel("")
        self.langs.setWordWrap(True)
        self.status = QLabel("")
        self.status.setObjectName("errorText")
        self.status.setWordWrap(True)
        self.play_button = QPushButton("Play")
        self.play_button.setObjectName("primaryButton")
        self.restart_button = QPushButton("Start over")
        self.download_button = QPushButton("Download")
        self.download_bar = QProgressBar()
        self.download_bar.setRange(0, 1000)
        self.download_bar.setTextVisible(True)
        self.download_bar.hide()
        buttons = QHBoxLayout()
        for b in (self.play_button, self.restart_button, self.download_button):
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            buttons.addWidget(b)
        buttons.addStretch(1)
        info = QVBoxLayout()
        info.setSpacing(12 if ctx.ten_foot else 8)
        for label in (self.description, self.cast, self.langs, self.status):
            label.setMaximumWidth(900 if ctx.ten_foot else 640)  # long lines are hard to read (~75 characters)
        for w in (self.heading, self.meta, self.description, self.cast, self.langs):
            info.addWidget(w)
        info.addLayout(buttons)
        info.addWidget(self.download_bar)
        info.addWidget(self.status)
        info.addStretch(1)
        self.backdrop = Backdrop()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.backdrop)
        grid = QGridLayout(self.backdrop)
        grid.setContentsMargins(32 if not ctx.ten_foot else 24, 24, 24, 16)
        grid.setHorizontalSpacing(40 if ctx.ten_foot else 24)
        grid.addWidget(self.art, 0, 0, Qt.AlignmentFlag.AlignTop)
        grid.addLayout(info, 0, 1)
        grid.setColumnStretch(1, 1)
        self.play_button.clicked.connect(
            lambda: self.title and self.play.emit(self.title.id, None if self.title.live else self.resume_s))
        self.restart_button.clicked.connect(lambda: self.title and self.play.emit(self.title.id, 0.0))
        self.download_button.clicked.connect(lambda: self.title and self.download.emit(self.title.id))

    def focus_first(self) -> None:
        self.play_button.setFocus()

    def show_title(self, title_id: str) -> None:
        """Load the title and its resume point on the engine loop, then fill the page."""
        if self.ctx.api is None:
            return
        self.status.setText("Loading…")
        api = self.ctx.api

        async def load() -> tuple[Title, float]:
            title = await api.title(title_id)
            try:
                resume = await api.resume_at(title_id)
            except Exception:  # continue watching is a nicety; the page works without it
                resume = 0.0
            return title, resume

        self.ctx.engine.submit(load(), self._fill, lambda exc: self.status.setText(sentence(exc)))

    def show_offline(self, title: Title) -> None:
        self._fill((title, 0.0))

    def _fill(self, loaded: tuple[Title, float]) -> None:
        title, resume = loaded
        self.title = title
        self.resume_s = resume if 1.0 < resume < max(title.duration_s - 1.0, 0) else 0.0
        self.status.setText("")
        self.heading.setText(title.name)
        bits = [str(title.year)] if title.year else []
        bits += [duration_text(title.duration_s), ", ".join(title.genres)]
        if title.protected:
            bits.append("protected")
        self.meta.setText(" · ".join(b for b in bits if b))
        self.description.setText(title.description or "No description.")
        self.cast.setText("Cast: " + (", ".join(title.cast) or "not listed"))
        audio = ", ".join(title.audio_langs) or "unknown"
        subs = ", ".join(title.subtitle_langs) or "none"
        self.langs.setText(f"Audio: {audio}    Subtitles: {subs}")
        self.play_button.setText(f"Resume at {clock_text(self.resume_s)}" if self.resume_s else "Play")
        self.restart_button.setVisible(bool(self.resume_s))
        self.art.clear()
        self.backdrop.set_pixmap(None)
        self.cache.get(title.artwork_url, self._set_art)
        self.cache.get(title.backdrop_url or title.artwork_url, self._set_backdrop(title.id))
        self.set_download_progress(None)
        self.loaded.emit()

    def _set_art(self, pixmap: QPixmap) -> None:
        try:
            self.art.setPixmap(pixmap.scaled(self.art.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        except RuntimeError:
            pass

    def _set_backdrop(self, title_id: str):  # type: ignore[no-untyped-def]
        def deliver(pixmap: QPixmap) -> None:
            if self.title is not None and self.title.id == title_id:
                self.backdrop.set_pixmap(pixmap)
        return deliver

    def set_download_progress(self, prog: object | None) -> None:
        """Show a running download of this title (a ``downloads.progress.Progress``), or hide the bar."""
        if prog is None:
            self.download_bar.hide()
            self.download_button.setText("Download")
            return
        complete = getattr(prog, "state", "") == "complete"
        fraction = 1.0 if complete else getattr(prog, "fraction", 0.0)
        self.download_bar.show()
        self.download_bar.setValue(int(fraction * 1000))
        self.download_bar.setProperty("state", getattr(prog, "state", ""))
        self.download_bar.style().polish(self.download_bar)
        if complete:
            self.download_bar.setFormat("Downloaded · ready offline")
        elif getattr(prog, "state", "") == "paused":
            self.download_bar.setFormat(f"Paused at {fraction * 100:.0f} %")
        else:
            self.download_bar.setFormat(f"Downloading {fraction * 100:.0f} %")
        self.download_button.setText("Downloaded" if complete else "Downloading…")

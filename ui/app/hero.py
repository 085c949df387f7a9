"""A title's backdrop behind the content (home's featured title, the title page), as Jellyfin, Plex
and Kodi show it: the picture covers the area, shaded towards the left and the bottom so text
written there reads, and fades into the page at its foot."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.app.api import Title
from ui.app.format import clock_text, duration_text

PAGE = QColor("#141414")


class Backdrop(QWidget):
    """Paints ``pixmap`` scaled to cover the widget (centre kept), shaded; children are laid out on top."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("backdrop")
        self.pixmap: QPixmap | None = None

    def set_pixmap(self, pixmap: QPixmap | None) -> None:
        self.pixmap = pixmap if pixmap is not None and not pixmap.isNull() else None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = QRectF(self.rect())
        p.fillRect(rect, PAGE)
        if self.pixmap is not None:
            pm = self.pixmap
            scale = max(rect.width() / pm.width(), rect.height() / pm.height())
            w, h = pm.width() * scale, pm.height() * scale
            p.drawPixmap(QRectF((rect.width() - w) / 2, (rect.height() - h) / 3, w, h), pm, QRectF(pm.rect()))
        left = QLinearGradient(0, 0, rect.width(), 0)
        left.setColorAt(0.0, QColor(20, 20, 20, 240))
        left.setColorAt(0.55, QColor(20, 20, 20, 150))
        left.setColorAt(1.0, QColor(20, 20, 20, 40))
        p.fillRect(rect, left)
        foot = QLinearGradient(0, rect.height() * 0.6, 0, rect.height())
        foot.setColorAt(0.0, QColor(20, 20, 20, 0))
        foot.setColorAt(1.0, PAGE)
        p.fillRect(rect, foot)
        p.end()


class Hero(Backdrop):
    """Home's featured title: backdrop, name, facts, a line of description, Play (or Resume) and More info."""

    play = Signal(str, float)
    info = Signal(str)

    def __init__(self, *, ten_foot: bool) -> None:
        super().__init__()
        self.title: Title | None = None
        self.resume_s = 0.0
        self.min_height = 320 if ten_foot else 240  # the text block and buttons; HomeScreen sets the height
        self.kicker = QLabel("")
        self.kicker.setObjectName("heroKicker")
        self.name = QLabel("")
        self.name.setObjectName("heroTitle")
        self.meta = QLabel("")
        self.meta.setObjectName("heroMeta")
        self.description = QLabel("")
        self.description.setWordWrap(True)
        self.description.setMaximumWidth(900 if ten_foot else 560)
        self.play_button = QPushButton("▶  Play")
        self.play_button.setObjectName("primaryButton")
        self.info_button = QPushButton("More info")
        for b in (self.play_button, self.info_button):
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.info_button)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(48 if ten_foot else 32, 32, 32, 36)
        box.addStretch(1)
        for w in (self.kicker, self.name, self.meta, self.description):
            box.addWidget(w)
        box.addSpacing(8)
        box.addLayout(buttons)
        self.play_button.clicked.connect(lambda: self.title and self.play.emit(self.title.id, self.resume_s))
        self.info_button.clicked.connect(lambda: self.title and self.info.emit(self.title.id))

    def show_title(self, title: Title, *, resume_s: float = 0.0) -> None:
        self.title, self.resume_s = title, resume_s
        self.kicker.setText("Continue watching" if resume_s else "Featured")
        self.name.setText(title.name)
        bits = [str(title.year)] if title.year else []
        bits += [duration_text(title.duration_s), " · ".join(title.genres[:2])]
        self.meta.setText("  ·  ".join(b for b in bits if b))
        text = title.description or ""
        self.description.setText(text if len(text) < 180 else text[:177].rsplit(" ", 1)[0] + "…")
        self.play_button.setText(f"▶  Resume {clock_text(resume_s)}" if resume_s else "▶  Play")

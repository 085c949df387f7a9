"""The player's seek bar: played part, buffered range ahead of the playhead, click to seek, and a
preview of the time under the pointer before the click (``preview_text``, shown as a tooltip)."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ui.app.format import clock_text


class SeekBar(QWidget):
    """``seek_requested(position_s)`` when clicked; ``set_state`` feeds it from the session's stats."""

    seek_requested = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.position_s = 0.0
        self.buffered_until_s = 0.0
        self.duration_s = 0.0
        self.setMinimumHeight(18)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMouseTracking(True)
        self.preview_text = ""

    def set_state(self, position_s: float | None, buffered_until_s: float | None, duration_s: float | None) -> None:
        self.position_s = position_s or 0.0
        self.buffered_until_s = max(buffered_until_s or 0.0, self.position_s)
        self.duration_s = duration_s or 0.0
        self.update()

    def _x(self, seconds: float) -> float:
        if self.duration_s <= 0:
            return 0.0
        return max(0.0, min(1.0, seconds / self.duration_s)) * self.width()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        h = self.height()
        track = QRectF(0, h / 2 - 3, self.width(), 6)
        p.fillRect(track, QColor(90, 90, 90))
        p.fillRect(QRectF(0, track.y(), self._x(self.buffered_until_s), 6), QColor(170, 170, 170))
        p.fillRect(QRectF(0, track.y(), self._x(self.position_s), 6), QColor(61, 155, 233))  # the accent
        p.setBrush(QColor(255, 255, 255))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QRectF(self._x(self.position_s) - 7, h / 2 - 7, 14, 14))
        p.end()

    def time_at(self, x: float) -> float:
        """The media time under horizontal position ``x``."""
        return max(0.0, min(1.0, x / max(self.width(), 1))) * self.duration_s

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.duration_s > 0:
            self.preview_text = clock_text(self.time_at(event.position().x()))
            QToolTip.showText(event.globalPosition().toPoint(), self.preview_text, self)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: object) -> None:  # type: ignore[override]
        self.preview_text = ""
        QToolTip.hideText()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.duration_s > 0 and self.width() > 0:
            self.seek_requested.emit(self.time_at(event.position().x()))

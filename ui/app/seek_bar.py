"""The player's seek bar: played part, buffered range ahead of the playhead, click to seek, and a
preview of the time under the pointer before the click (``preview_text``, shown as a tooltip).

Trick-play (issue 18): moving over the bar emits ``hovered(time)``; whoever has the title's image
track answers with :meth:`SeekBar.show_thumbnail`, and the tile shows above the bar with the time
written on it. The preview is a tooltip-type window, so it stacks above libmpv's native window.

Live (issue 15): :meth:`SeekBar.set_window` spans the bar over the DVR window instead of 0..duration,
from its oldest media on the left to the live edge on the right, and times read as how far behind
live they are (``−0:42``), as the broadcasters' players show them.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QHideEvent, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QWidget

from ui.app.format import clock_text
from ui.app.live_view import behind_text

KEY_PREVIEW_MS = 1500


class SeekBar(QWidget):
    """``seek_requested(position_s)`` when clicked; ``set_state`` feeds it from the session's stats."""

    seek_requested = Signal(float)
    hovered = Signal(float)  # the time under the pointer, for a thumbnail

    def __init__(self) -> None:
        super().__init__()
        self.position_s = 0.0
        self.buffered_until_s = 0.0
        self.start_s = 0.0  # the bar's left end: 0, or the oldest media of a live DVR window
        self.duration_s = 0.0  # the bar's right end: the title's length, or the live edge
        self.live = False
        self.setMinimumHeight(18)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMouseTracking(True)
        self.preview_text = ""
        self.thumbnail: QLabel | None = None  # created on the first tile shown
        self._hover_x = 0.0
        self._key_preview = QTimer(self, singleShot=True, interval=KEY_PREVIEW_MS)
        self._key_preview.timeout.connect(self._end_key_preview)

    def set_state(self, position_s: float | None, buffered_until_s: float | None, duration_s: float | None) -> None:
        self.live, self.start_s = False, 0.0
        self._set(position_s, buffered_until_s, duration_s)

    def set_window(self, start_s: float, edge_s: float, position_s: float | None, buffered_until_s: float | None) -> None:
        """A live play: the bar is the DVR window, ``start_s`` (oldest) to ``edge_s`` (live)."""
        self.live, self.start_s = True, start_s
        self._set(position_s, buffered_until_s, edge_s)

    def _set(self, position_s: float | None, buffered_until_s: float | None, end_s: float | None) -> None:
        self.position_s = position_s or self.start_s
        self.buffered_until_s = max(buffered_until_s or 0.0, self.position_s)
        self.duration_s = end_s or 0.0
        self.update()

    @property
    def span_s(self) -> float:
        return self.duration_s - self.start_s

    def time_text(self, seconds: float) -> str:
        """A time on this bar as people read it: ``01:23``, or ``−0:42`` behind live."""
        return behind_text(self.duration_s - seconds) if self.live else clock_text(seconds)

    def _x(self, seconds: float) -> float:
        if self.span_s <= 0:
            return 0.0
        return max(0.0, min(1.0, (seconds - self.start_s) / self.span_s)) * self.width()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        h = self.height()
        track = QRectF(0, h / 2 - 3, self.width(), 6)
        p.fillRect(track, QColor(90, 90, 90))
        p.fillRect(QRectF(0, track.y(), self._x(self.buffered_until_s), 6), QColor(170, 170, 170))
        p.fillRect(QRectF(0, track.y(), self._x(self.position_s), 6), QColor(61, 155, 233))  # the accent
        if self.live:  # the live edge: a red end cap, where Go live lands
            p.fillRect(QRectF(self.width() - 4, h / 2 - 6, 4, 12), QColor(229, 9, 20))
        p.setBrush(QColor(255, 255, 255))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QRectF(self._x(self.position_s) - 7, h / 2 - 7, 14, 14))
        p.end()

    def time_at(self, x: float) -> float:
        """The media time under horizontal position ``x``."""
        return self.start_s + max(0.0, min(1.0, x / max(self.width(), 1))) * self.span_s

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.span_s > 0:
            self._hover_x = event.position().x()
            time_s = self.time_at(self._hover_x)
            self.preview_text = self.time_text(time_s)
            if self.thumbnail is None or not self.thumbnail.isVisible():  # the thumbnail names the time itself
                QToolTip.showText(event.globalPosition().toPoint(), self.preview_text, self)
            self.hovered.emit(time_s)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: object) -> None:  # type: ignore[override]
        self.preview_text = ""
        QToolTip.hideText()
        if self.thumbnail is not None:
            self.thumbnail.hide()

    def preview_at(self, time_s: float) -> None:
        """Preview ``time_s`` as if hovered, for a while: the thumbnail of a seek by keys (a remote has no pointer)."""
        if self.span_s <= 0:
            return
        time_s = max(self.start_s, min(self.duration_s, time_s))
        self._hover_x = self._x(time_s)
        self.preview_text = self.time_text(time_s)
        self._key_preview.start()
        self.hovered.emit(time_s)

    def _end_key_preview(self) -> None:
        if not self.underMouse():  # the pointer's own preview stays
            self.preview_text = ""
            if self.thumbnail is not None:
                self.thumbnail.hide()

    def hideEvent(self, event: QHideEvent) -> None:
        """The preview is a window of its own: it goes when the bar goes (overlay auto-hide, leaving the player)."""
        self.preview_text = ""
        if self.thumbnail is not None:
            self.thumbnail.hide()
        super().hideEvent(event)

    def show_thumbnail(self, image: QImage) -> None:
        """Show ``image`` (one tile) above the bar at the pointer, captioned with the hovered time."""
        if not self.preview_text or image.isNull():
            return  # the pointer left before the tile arrived
        if self.thumbnail is None:
            self.thumbnail = QLabel(self, Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint)
            self.thumbnail.setObjectName("seekThumbnail")
        pixmap = QPixmap.fromImage(image)
        p = QPainter(pixmap)
        caption = QRectF(0, pixmap.height() - 20, pixmap.width(), 20)
        p.fillRect(caption, QColor(0, 0, 0, 160))
        p.setPen(QColor(255, 255, 255))
        p.drawText(caption, Qt.AlignmentFlag.AlignCenter, self.preview_text)
        p.end()
        label = self.thumbnail
        label.setPixmap(pixmap)
        label.resize(pixmap.size())
        x = round(max(0.0, min(self.width() - pixmap.width(), self._hover_x - pixmap.width() / 2)))
        label.move(self.mapToGlobal(QPoint(x, -pixmap.height() - 8)))
        QToolTip.hideText()
        label.show()
        label.raise_()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.span_s > 0 and self.width() > 0:
            self.seek_requested.emit(self.time_at(event.position().x()))

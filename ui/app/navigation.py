"""Keyboard/remote navigation: arrows move focus to the nearest widget in that direction, Enter
activates, Back/Escape goes back (issue 6 TV mode: "arrows / Enter / Back / media keys only").

Installed on the application, it only acts while the window's current screen does not take arrows
itself (the player does: ←/→ seek, ↑/↓ volume) and leaves text-editing keys to text fields.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QWidget

ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
BACK_KEYS = (Qt.Key.Key_Escape, Qt.Key.Key_Back, Qt.Key.Key_Backspace)
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select)


def _centre(widget: QWidget) -> QPoint:
    return widget.mapToGlobal(widget.rect().center())


def _offset(value: int, low: int, high: int) -> int:
    """How far ``value`` lies outside ``[low, high]`` (0 inside)."""
    return max(low - value, 0, value - high)


def nearest(current: QWidget, candidates: list[QWidget], direction: tuple[int, int]) -> QWidget | None:
    """The candidate whose centre lies in ``direction`` from ``current``, closest along that axis,
    with sideways offset weighed twice (so moving down picks the tile below, not a far one).

    The sideways offset is measured from ``current``'s edges, not its centre, with reading order
    (left, then top) breaking ties: Down from the full-width search field lands on the first tile,
    not on the one under the field's middle (issue 18: it skipped to the 5th tile)."""
    origin = _centre(current)
    top_left = current.mapToGlobal(current.rect().topLeft())
    bottom_right = current.mapToGlobal(current.rect().bottomRight())
    dx, dy = direction
    best: tuple[float, QWidget] | None = None
    for widget in candidates:
        if widget is current:
            continue
        c = _centre(widget)
        along = (c.x() - origin.x()) * dx + (c.y() - origin.y()) * dy
        if along <= 4:
            continue
        if dx:
            across = _offset(c.y(), top_left.y(), bottom_right.y())
            order = abs(c.y() - top_left.y())
        else:
            across = _offset(c.x(), top_left.x(), bottom_right.x())
            order = abs(c.x() - top_left.x())
        score = along + 2 * across + 0.01 * order
        if best is None or score < best[0]:
            best = (score, widget)
    return best[1] if best else None


class FocusNavigator(QObject):
    """Application-wide key filter; ``screen()`` gives the widget whose children may take focus."""

    def __init__(self, screen: Callable[[], QWidget | None], back: Callable[[], None], root: Callable[[], QWidget]) -> None:
        super().__init__()
        self.screen = screen
        self.back = back
        self.root = root  # the screen plus the navigation bar

    def _candidates(self, root: QWidget) -> list[QWidget]:
        found = [
            w for w in root.findChildren(QWidget)
            if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.window() is root.window()
        ]
        return [w for w in found if w.visibleRegion().isEmpty() is False or isinstance(w, QAbstractButton)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        screen = self.screen()
        if screen is None or getattr(screen, "handles_arrows", False):
            return False
        focus = QApplication.focusWidget()
        root = self.root()
        if focus is None or not root.isAncestorOf(focus):
            if event.key() in ARROWS and hasattr(screen, "focus_first"):
                screen.focus_first()
                return True
            if event.key() in BACK_KEYS:
                self.back()
                return True
            return False
        if watched is not focus:
            return False  # act once, on the widget that has focus
        key = event.key()
        if key in BACK_KEYS:
            if isinstance(focus, QLineEdit) and key == Qt.Key.Key_Backspace and focus.text():
                return False
            self.back()
            return True
        if key in ENTER_KEYS and isinstance(focus, QAbstractButton):
            focus.click()
            return True
        if key in ENTER_KEYS and isinstance(focus, QComboBox):
            focus.showPopup()  # a remote picks from the open list; arrows on the closed box move on
            return True
        if key in ARROWS:
            if isinstance(focus, QLineEdit) and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                return False
            if isinstance(focus, QAbstractSpinBox) and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                return False
            # pending layouts first (a row that just resized its tiles): geometry must be current
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            target = nearest(focus, self._candidates(root), ARROWS[key])
            if target is not None:
                target.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return False

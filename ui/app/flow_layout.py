"""A row of items that wraps onto further rows when the width runs out (Qt's Flow Layout example,
https://doc.qt.io/qt-6/qtwidgets-layouts-flowlayout-example.html, with each row's items centred on the row as a
QHBoxLayout centres them). The 10-foot player's menus use it: at 26 px type they fit one row at 1280 px, and a
narrower window (994 px) cut "Audio default" and the quality menu short instead of wrapping.

An item may be a layout (:meth:`add_group`): widgets that belong together (Mute and its volume slider) wrap as one.
The height follows the width (``heightForWidth``), so whoever places the parent asks for the height at its width.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    """Items left to right, a new row when the next one does not fit; ``spacing()`` between items and rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []

    def add_group(self, *widgets: QWidget) -> None:
        """``widgets`` side by side, as one item that wraps whole."""
        group = QHBoxLayout()
        group.setContentsMargins(0, 0, 0, 0)
        self.addChildLayout(group)
        for widget in widgets:
            group.addWidget(widget)
        self._items.append(group)
        self.invalidate()

    # -- QLayout's interface ------------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt's names)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._place(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        """Everything on one row."""
        hints = [item.sizeHint() for item in self._shown()]
        margins = self.contentsMargins()
        width = sum(h.width() for h in hints) + self.spacing() * max(0, len(hints) - 1)
        height = max((h.height() for h in hints), default=0)
        return QSize(width + margins.left() + margins.right(), height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802
        """The widest item alone on its row."""
        size = QSize(0, 0)
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    # -- placing ------------------------------------------------------------------------------------
    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]  # a hidden widget takes no room

    def _rows(self, width: int) -> list[list[QLayoutItem]]:
        rows: list[list[QLayoutItem]] = []
        used = 0
        for item in self._shown():
            need = item.sizeHint().width()
            if rows and used + self.spacing() + need <= width:
                rows[-1].append(item)
                used += self.spacing() + need
            else:
                rows.append([item])
                used = need
        return rows

    def _place(self, rect: QRect, *, apply: bool) -> int:
        """Lay the items out in ``rect`` (``apply``: move them there); the height they take."""
        area = rect.marginsRemoved(self.contentsMargins())
        y = area.y()
        for row in self._rows(area.width()):
            height = max(item.sizeHint().height() for item in row)
            x = area.x()
            for item in row:
                hint = item.sizeHint()
                if apply:
                    item.setGeometry(QRect(QPoint(x, y + (height - hint.height()) // 2), hint))
                x += hint.width() + self.spacing()
            y += height + self.spacing()
        taken = y - self.spacing() - area.y() if y > area.y() else 0
        margins = self.contentsMargins()
        return taken + margins.top() + margins.bottom()

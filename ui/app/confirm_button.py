"""A button that asks once before it acts (delete, cancel): the first press turns it into
"Really …?", the second within a few seconds acts; leaving it (focus out, time out) disarms it.

Why not a modal dialog: a remote has no mouse to find a dialog's buttons, and an inline second
press keeps the focus where it was (issue 18: "delete and cancel do not confirm").
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QPushButton

ARMED_MS = 4000


class ConfirmButton(QPushButton):
    """``action()`` runs on the second press; ``armed`` tells whether the next press acts."""

    def __init__(self, label: str, question: str, action: Callable[[], None]) -> None:
        super().__init__(label)
        self.label = label
        self.question = question
        self.action = action
        self.armed = False
        self.setObjectName("confirmButton")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(ARMED_MS)
        self._timer.timeout.connect(self.disarm)
        self.clicked.connect(self._pressed)

    def _pressed(self) -> None:
        if self.armed:
            self.disarm()
            self.action()
            return
        self.armed = True
        self.setText(self.question)
        self.setProperty("armed", True)
        self.style().polish(self)
        self._timer.start()

    def disarm(self) -> None:
        self._timer.stop()
        self.armed = False
        self.setText(self.label)
        self.setProperty("armed", False)
        self.style().polish(self)

    def focusOutEvent(self, event: QEvent) -> None:  # type: ignore[override]
        if self.armed:
            self.disarm()
        super().focusOutEvent(event)

"""The account button at the right of the navigation bar: who is signed in, Settings, Sign out
(Jellyfin's and Plex's user menu). A plain button that pops a menu, so Enter on a remote opens it."""
from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QMenu, QPushButton

from ui.app.context import AppContext


class AccountMenu(QObject):
    """``button`` goes in the bar; ``open_settings`` and ``sign_out`` when chosen (the window asks a kiosk's PIN)."""

    open_settings = Signal()
    sign_out = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.button = QPushButton("")
        self.button.setObjectName("accountButton")
        self.button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.menu = QMenu(self.button)
        self.who = self.menu.addAction("")
        self.who.setEnabled(False)
        self.menu.addSeparator()
        self.settings_action = self.menu.addAction("Settings", self.open_settings.emit)
        self.sign_out_action = self.menu.addAction("Sign out", self.sign_out.emit)
        self.button.clicked.connect(self.popup)
        self.refresh()

    def refresh(self) -> None:
        """Show the signed-in account (or that nobody is)."""
        email = self.ctx.config.email
        name = email.split("@", 1)[0] if email else "Not signed in"
        self.button.setText(f"●  {name}  ▾")
        self.who.setText(f"Signed in as {email}" if email else "Not signed in")

    def popup(self) -> None:
        self.menu.popup(self.button.mapToGlobal(QPoint(0, self.button.height())))

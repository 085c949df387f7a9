"""Sign in: e-mail, password, "remember me" (refresh token in the keyring, :mod:`.credentials`)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.app import credentials
from ui.app.context import AppContext
from ui.app.errors import SignInError, is_unreachable, sentence


class SignInScreen(QWidget):
    """Emits ``signed_in`` once the backend accepted the credentials (or a remembered token), ``unreachable``
    when there is no backend to ask, and ``open_screen(name)`` for the Downloads and Settings links (a
    sign-in screen is never a dead end: issue 18 defect 6)."""

    name = "signin"
    signed_in = Signal()
    unreachable = Signal()
    open_screen = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        heading = QLabel("Sign in to Reelbox")
        heading.setObjectName("screenHeading")
        outer.addWidget(heading, alignment=Qt.AlignmentFlag.AlignHCenter)
        form = QFormLayout()
        self.email = QLineEdit(ctx.config.email)
        self.email.setPlaceholderText("you@example.com")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember me on this device")
        self.remember.setChecked(True)
        self.button = QPushButton("Sign in")
        self.status = QLabel("")
        self.status.setObjectName("errorText")
        self.status.setWordWrap(True)
        form.addRow("E-mail", self.email)
        form.addRow("Password", self.password)
        form.addRow("", self.remember)
        form.addRow("", self.button)
        box = QWidget()
        box.setMaximumWidth(520)
        box.setLayout(form)
        outer.addWidget(box, alignment=Qt.AlignmentFlag.AlignHCenter)
        outer.addWidget(self.status, alignment=Qt.AlignmentFlag.AlignHCenter)
        links = QHBoxLayout()
        links.addStretch(1)
        self.downloads_link = QPushButton("Watch downloads offline")
        self.settings_link = QPushButton("Settings")
        for b, target in ((self.downloads_link, "downloads"), (self.settings_link, "settings")):
            b.setObjectName("linkButton")
            b.clicked.connect(lambda _=False, t=target: self.open_screen.emit(t))
            links.addWidget(b)
        links.addStretch(1)
        outer.addLayout(links)
        outer.addStretch(2)
        self.button.clicked.connect(self.submit)
        self.email.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)

    def focus_first(self) -> None:
        (self.password if self.email.text() else self.email).setFocus()

    def submit(self) -> None:
        email, password = self.email.text().strip(), self.password.text()
        if not email or not password:
            self.status.setText("Enter your e-mail and password, then press Enter.")
            return
        self.button.setEnabled(False)
        self.status.setText("Signing in…")
        self.ctx.connect(self.ctx.config.backend_url)
        backend = self.ctx.backend
        assert backend is not None

        def ok(_: object) -> None:
            self.button.setEnabled(True)
            self.password.clear()
            self.status.setText("")
            self.ctx.update_config(email=email)
            if self.remember.isChecked() and backend.refresh_token:
                credentials.remember(self.ctx.config.backend_url, email, backend.refresh_token)
            self.signed_in.emit()

        def failed(exc: BaseException) -> None:
            self.button.setEnabled(True)
            if is_unreachable(exc):
                self.unreachable.emit()
            text = sentence(exc)
            if getattr(exc, "status", None) == 401:
                text = "That e-mail and password do not match. Check them and try again."
            self.status.setText(text)

        self.ctx.engine.submit(backend.login(email, password), ok, failed)

    def try_remembered(self) -> bool:
        """Sign in with the remembered refresh token; False when there is none."""
        email = self.ctx.config.email
        token = credentials.recall(self.ctx.config.backend_url, email)
        if not token:
            return False
        self.ctx.connect(self.ctx.config.backend_url)
        backend = self.ctx.backend
        assert backend is not None
        self.status.setText("Signing in…")

        def ok(_: object) -> None:
            self.status.setText("")
            if backend.refresh_token:
                credentials.remember(self.ctx.config.backend_url, email, backend.refresh_token)
            self.signed_in.emit()

        def failed(exc: BaseException) -> None:
            if getattr(exc, "status", None) == 401:
                credentials.forget(self.ctx.config.backend_url, email)
                self.status.setText(str(SignInError("Your saved sign-in has expired. Enter your password to sign in again.")))
            else:
                self.status.setText(sentence(exc))
                if is_unreachable(exc):
                    self.unreachable.emit()

        self.ctx.engine.submit(backend.use_refresh_token(token), ok, failed)
        return True

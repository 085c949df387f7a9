"""Settings: backend URL, download quality and parallelism, ABR algorithm and forced CDN (QA), reset."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QSpinBox,
                               QVBoxLayout, QWidget)

from player.backend import BackendError, server_root
from ui.app.config import AppConfig
from ui.app.context import AppContext


def abr_names() -> list[str]:
    try:
        from abr.algorithms import names

        return names()
    except ImportError:  # the app still opens without the ABR package's registry
        return []


class SettingsScreen(QWidget):
    """Each change is saved at once; ``backend_changed`` asks the window to sign in again."""

    name = "settings"
    backend_changed = Signal()
    sign_out = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        layout = QVBoxLayout(self)
        heading = QLabel("Settings")
        heading.setObjectName("screenHeading")
        layout.addWidget(heading)
        self.backend_url = QLineEdit()
        self.quality = QComboBox()
        for q in ("best", "medium", "low"):
            self.quality.addItem(q.capitalize(), q)
        self.parallel = QSpinBox()
        self.parallel.setRange(1, 8)
        self.abr = QComboBox()
        self.abr.addItem("Default", "")
        for name in abr_names():
            self.abr.addItem(name, name)
        self.cdn = QComboBox()
        self.cdn.addItem("Automatic (failover)", -1)
        for i in range(4):
            self.cdn.addItem(f"CDN {i} only", i)
        self.reset = QPushButton("Reset to defaults")
        self.sign_out_button = QPushButton("Sign out")
        column = QWidget()
        column.setMaximumWidth(1000 if ctx.ten_foot else 720)
        sections = QVBoxLayout(column)
        sections.setContentsMargins(0, 0, 0, 0)
        for title, rows in (("Connection", (("Backend URL", self.backend_url),)),
                            ("Downloads", (("Quality", self.quality), ("Parallel downloads", self.parallel))),
                            ("Playback testing (QA)", (("ABR algorithm", self.abr), ("Forced CDN", self.cdn)))):
            heading = QLabel(title)
            heading.setObjectName("rowHeading")
            sections.addWidget(heading)
            form = QFormLayout()
            form.setContentsMargins(0, 0, 0, 12)
            for label, widget in rows:
                form.addRow(label, widget)
            sections.addLayout(form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset)
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        sections.addLayout(buttons)
        sections.addStretch(1)
        scroll = QScrollArea()  # 10-foot type at 720p: the page scrolls rather than stretching the window
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(scroll, 1)
        self.status = QLabel("")
        layout.addWidget(self.status)
        for w in (self.backend_url, self.quality, self.parallel, self.abr, self.cdn, self.reset, self.sign_out_button):
            w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.load()
        self.backend_url.editingFinished.connect(self._backend_edited)
        self.quality.activated.connect(lambda _: self._save(download_quality=self.quality.currentData()))
        self.parallel.valueChanged.connect(lambda v: self._save(download_parallelism=int(v)))
        self.abr.activated.connect(lambda _: self._save(abr=self.abr.currentData()))
        self.cdn.activated.connect(lambda _: self._save(force_cdn=int(self.cdn.currentData())))
        self.reset.clicked.connect(self._reset)
        self.sign_out_button.clicked.connect(self.sign_out)

    def focus_first(self) -> None:
        self.backend_url.setFocus()

    def load(self) -> None:
        c = self.ctx.config
        self.backend_url.setText(c.backend_url)
        self.quality.setCurrentIndex(max(0, self.quality.findData(c.download_quality)))
        self.parallel.blockSignals(True)
        self.parallel.setValue(c.download_parallelism)
        self.parallel.blockSignals(False)
        self.abr.setCurrentIndex(max(0, self.abr.findData(c.abr)))
        self.cdn.setCurrentIndex(max(0, self.cdn.findData(c.force_cdn)))

    def _save(self, **changes: object) -> None:
        self.ctx.update_config(**changes)
        self.status.setText("Saved.")

    def _backend_edited(self) -> None:
        try:
            url = server_root(self.backend_url.text())  # either form: http://h:p or http://h:p/api/v1
        except BackendError:
            self.status.setText("The backend URL must start with http:// or https://, e.g. http://127.0.0.1:8700.")
            return
        if url == self.ctx.config.backend_url:
            return
        self._save(backend_url=url)
        self.backend_changed.emit()

    def _reset(self) -> None:
        keep = self.ctx.config
        defaults = AppConfig()
        self.ctx.update_config(**{k: getattr(defaults, k) for k in ("download_quality", "download_parallelism", "abr", "force_cdn")},
                               backend_url=keep.backend_url)
        self.load()
        self.status.setText("Settings reset to their defaults (the backend URL is kept).")

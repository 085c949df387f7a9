"""Downloads: progress, rate, ETA, pause/resume/cancel, size, licence expiry countdown, renew, delete."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QVBoxLayout, QWidget

from ui.app.confirm_button import ConfirmButton
from ui.app.context import AppContext
from ui.app.downloads_bridge import DownloadsBridge
from ui.app.format import clock_text, duration_text, size_text


def licence_text(licence: Any, now: float) -> str:
    state = getattr(licence, "state", "none")
    if state == "none":
        return "No licence needed"
    if state == "valid":
        remaining = getattr(licence, "remaining_s", None)
        return f"Licence expires in {duration_text(remaining)}" if remaining is not None else "Licence valid"
    if state == "expired":
        return "Licence expired — press Renew while online"
    if state == "locked":
        return "Licence locked (clock changed) — press Renew while online"
    return "No licence — press Renew while online"


def buttons_for(state: str, running: bool, info: Any) -> dict[str, bool]:
    """Which buttons work in ``state``: a paused download can be resumed (issue 18 defect 3: Resume
    stayed disabled because a paused download still counts as running)."""
    paused = state == "paused"
    complete = state == "complete"
    return {
        "Play": complete and getattr(info.licence, "state", "none") in ("valid", "none"),
        "Pause": running and not paused and not complete,
        "Resume": not complete and (paused or not running),
        "Cancel": running and not complete,
        "Renew": bool(info.protected),
        "Delete": not running,
    }


class DownloadRow(QWidget):
    """One download: name, state, bar, rate/ETA, size, licence, and its buttons."""

    def __init__(self, info: Any, bridge: DownloadsBridge, play: Any) -> None:
        super().__init__()
        self.info = info
        self.bridge = bridge
        self.setObjectName("downloadRow")
        self.name = QLabel(f"{info.name} ({info.quality})")
        self.name.setObjectName("rowHeading")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.detail = QLabel("")
        self.licence = QLabel(licence_text(info.licence, 0))
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        actions: list[tuple[str, QPushButton]] = [
            ("Play", _button("Play", lambda: play(info))),
            ("Pause", _button("Pause", lambda: bridge.pause(info.title_id))),
            ("Resume", _button("Resume", lambda: bridge.resume(info.title_id))),
            ("Cancel", ConfirmButton("Cancel", "Cancel download?", lambda: bridge.cancel(info.title_id))),
            ("Renew", _button("Renew", lambda: bridge.renew(info.asset_id))),
            ("Delete", ConfirmButton("Delete", "Delete for good?", lambda: bridge.delete(info.asset_id))),
        ]
        for label, b in actions:
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            row.addWidget(b)
            self.buttons[label] = b
        row.addStretch(1)
        layout = QVBoxLayout(self)
        for w in (self.name, self.bar, self.detail, self.licence):
            layout.addWidget(w)
        layout.addLayout(row)
        self.set_progress(bridge.by_title.get(info.title_id))

    def set_progress(self, prog: Any | None) -> None:
        info = self.info
        done = prog.bytes_done if prog is not None else info.bytes_done
        total = prog.bytes_total if prog is not None else info.bytes_total
        state = prog.state if prog is not None else info.state
        fraction = 1.0 if state == "complete" else (done / total if total else 0.0)
        self.bar.setValue(int(fraction * 1000))
        self.bar.setFormat("Downloaded" if state == "complete" else f"{state.capitalize()} {fraction * 100:.0f} %")
        self.bar.setProperty("state", state)
        self.bar.style().polish(self.bar)
        if state == "complete":
            self.detail.setText(f"Ready to watch offline · {size_text(total)}")
        else:
            rate = f"{size_text(prog.rate_bps)}/s" if prog is not None and prog.rate_bps else "—"
            eta = clock_text(prog.eta_s) if prog is not None and prog.eta_s is not None else "—"
            self.detail.setText(f"{state} · {size_text(done)} of {size_text(total)} · {rate} · ETA {eta}")
        running = info.title_id in self.bridge.controls
        for label, enabled in buttons_for(state, running, info).items():
            self.buttons[label].setEnabled(enabled)


def _button(label: str, action: Any) -> QPushButton:
    b = QPushButton(label)
    b.clicked.connect(action)
    return b


class DownloadsScreen(QWidget):
    """Lists downloads from the bridge; ``play_download(info)`` for a finished one."""

    name = "downloads"
    play_download = Signal(object)

    def __init__(self, ctx: AppContext, bridge: DownloadsBridge) -> None:
        super().__init__()
        self.ctx = ctx
        self.bridge = bridge
        layout = QVBoxLayout(self)
        heading = QLabel("Downloads")
        heading.setObjectName("screenHeading")
        layout.addWidget(heading)
        self.status = QLabel("")
        self.status.setObjectName("errorText")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.host = QWidget()
        self.list_layout = QVBoxLayout(self.host)
        self.list_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidget(self.host)
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(scroll, 1)
        self.rows: dict[str, DownloadRow] = {}
        bridge.changed.connect(self._show)
        bridge.progress.connect(self._progress)
        bridge.failed.connect(self.status.setText)

    def focus_first(self) -> None:
        for row in self.rows.values():
            for b in row.buttons.values():
                if b.isEnabled():
                    b.setFocus()
                    return

    def reload(self) -> None:
        if self.bridge.error:
            self.status.setText(self.bridge.error)
        self.bridge.refresh()

    def _show(self, items: list[Any]) -> None:
        for row in self.rows.values():
            row.setParent(None)
            row.deleteLater()
        self.rows = {}
        if not items:
            self.status.setText("No downloads yet. Open a title and press Download to watch it offline.")
        elif not self.bridge.error:
            self.status.setText("")
        for info in items:
            row = DownloadRow(info, self.bridge, self.play_download.emit)
            self.list_layout.addWidget(row)
            self.rows[info.asset_id] = row

    def _progress(self, prog: Any) -> None:
        row = self.rows.get(prog.asset_id)
        if row is not None:
            row.set_progress(prog)

"""``reelbox demo``: build the demo catalog and start the embedded backend off the UI thread, then open
the app signed in as the demo user (DESIGN.md command line; issue 6 "the README's first command ends
in a working app").

Why a worker thread: the first build runs ffmpeg for minutes; on the UI thread only the progress
dialog would repaint (through ``processEvents``) and signals such as SIGTERM would wait. The worker
reports through Qt signals, which cross to the UI thread as queued calls. A quit while building sets
the build's cancel flag: the running ffmpeg is killed and the titles finished so far stay published
(``backend_stub.encode.catalog.build_demo_catalog``).
"""
from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog

from downloads.progress_bar import TerminalBar
from ui.app.lifecycle import SignalQuitter, Watchdog
from ui.bundled_backend import backend_module

DIALOG_STEPS = 1000


class DemoStarter(QObject):
    """Builds the catalog and starts a :class:`backend_stub.server.Backend` in a thread.

    Signals (delivered on the UI thread): ``progress(fraction, message)``, ``ready(api_url)``,
    ``failed(exception)``. :meth:`finish` cancels a build still running, waits, and returns the backend.
    """

    progress = Signal(float, str)
    ready = Signal(str)
    failed = Signal(object)

    def __init__(self, data_dir: Path, *, port: int, edges: int = 2) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.port = port
        self.edges = edges
        self.backend: Any = None
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reelbox-demo-start", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            build_demo_catalog = backend_module("encode.catalog").build_demo_catalog
            server = backend_module("server")
            Backend, BackendError = server.Backend, server.BackendError
            build_demo_catalog(self.data_dir, self.progress.emit, cancel=self._cancel.is_set)
            if self._cancel.is_set():
                return
            try:
                self.backend = Backend(self.data_dir, demo_user=True, port=self.port, edges=self.edges).start()
            except BackendError as exc:
                if self.port == 0:
                    raise
                print(f"port {self.port} busy ({exc}); using a free port", file=sys.stderr)
                self.backend = Backend(self.data_dir, demo_user=True, port=0, edges=self.edges).start()
        except Exception as exc:  # handed to the UI thread, which quits with one sentence
            if not self._cancel.is_set():
                self.failed.emit(exc)
            return
        self.ready.emit(self.backend.api_url)

    def finish(self, timeout_s: float = 60.0) -> Any:
        """Stop a build in progress and wait for the thread; the started backend (or None)."""
        self._cancel.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        return self.backend


def _progress_dialog() -> QProgressDialog:
    dialog = QProgressDialog("Preparing the demo catalog…", "", 0, DIALOG_STEPS)
    dialog.setWindowTitle("Reelbox demo")
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    return dialog


def run_demo(args: argparse.Namespace) -> int:
    """``reelbox demo [--port N] [--data DIR] [--tv]``; 0 after a normal quit or SIGTERM/SIGINT."""
    from ui.app.main import build_window, make_app

    config = backend_module("config")  # first: a missing [backend] extra fails before any window opens
    DEMO_EMAIL, DEMO_PASSWORD, resolve_data_dir = config.DEMO_EMAIL, config.DEMO_PASSWORD, config.resolve_data_dir

    app = make_app()
    port = int(getattr(args, "port", 8700) or 0)
    starter = DemoStarter(resolve_data_dir(getattr(args, "data", None)), port=port)
    dialog = _progress_dialog()
    watchdog = Watchdog()
    bar = TerminalBar()
    held: dict[str, Any] = {}

    def on_progress(fraction: float, message: str) -> None:
        dialog.setValue(int(max(0.0, min(1.0, fraction)) * DIALOG_STEPS))
        dialog.setLabelText(message or "Preparing the demo catalog…")
        bar.draw(fraction, f"demo catalog {message[:60]:60}")

    def on_ready(api_url: str) -> None:
        bar.end()
        print(f"Reelbox demo backend: {api_url}/api/v1", file=sys.stderr, flush=True)
        dialog.close()
        # a port picked for this run (--port 0, or the asked one was busy) is dead after it: not saved
        ephemeral = port == 0 or not api_url.endswith(f":{port}")
        window = build_window(tv=bool(getattr(args, "tv", False)), kiosk=False, backend_url=api_url,
                              remember_backend=not ephemeral)
        held["window"] = window
        watchdog.follow(window)
        window.signin.email.setText(DEMO_EMAIL)
        window.signin.password.setText(DEMO_PASSWORD)
        window.signin.remember.setChecked(False)  # the demo password is known; keep the keyring clean
        window.resize(1280, 720)
        window.showFullScreen() if window.ctx.tv else window.show()
        window.downloads.open()
        window.signin.submit()
        watchdog.ready_when_loop_turns(window)

    def on_failed(exc: BaseException) -> None:
        held["error"] = exc
        app.exit(1)

    starter.progress.connect(on_progress, Qt.ConnectionType.QueuedConnection)
    starter.ready.connect(on_ready, Qt.ConnectionType.QueuedConnection)
    starter.failed.connect(on_failed, Qt.ConnectionType.QueuedConnection)
    quitter = SignalQuitter(lambda _signum: app.exit(0))
    dialog.show()
    starter.start()
    try:
        code = int(app.exec())
    finally:
        watchdog.stopping()
        quitter.close()
        dialog.close()
        window = held.get("window")
        if window is not None:
            window.shutdown()
            window.ctx.engine.stop()
        backend = starter.finish()
        if backend is not None:
            backend.stop()
        bar.end()
    if "error" in held:
        raise held["error"]
    return code

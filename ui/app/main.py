"""Entry points wired into the CLI by ``ui/cli.py``: ``reelbox ui [--tv] [--kiosk]`` and ``reelbox demo``.

Attributes read from ``args``: ``tv`` (bool), ``kiosk`` (bool), ``backend`` (URL or None) — all
optional (``getattr`` with defaults), so ``reelbox demo``'s namespace works too; ``run_demo`` also
reads ``data`` (backend data dir or None) and ``port`` (default 8700, 0 = ephemeral).
"""
from __future__ import annotations

import argparse
import locale
import os
import sys
from pathlib import Path
from typing import Any

from player.backend import server_root
from ui.app.config import load_config


def make_app(argv: list[str] | None = None) -> Any:
    """The QApplication (one per process), with the C numeric locale libmpv needs (PLATFORM.md)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    locale.setlocale(locale.LC_NUMERIC, "C")
    app.setApplicationName("Reelbox")
    return app


def video_outputs() -> tuple[str, str]:
    """``(vo, ao)`` for this display: no window system → ``null``; Xvfb → ``x11`` (software path)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith("offscreen") or not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "null", "null"
    return os.environ.get("REELBOX_VO", "x11"), os.environ.get("REELBOX_AO", "auto")


def build_window(*, tv: bool, kiosk: bool, backend_url: str | None = None, config_file: Path | None = None,
                 vo: str | None = None, ao: str | None = None, remember_backend: bool = True) -> Any:
    """A ready (not yet shown) main window with its engine thread and, in TV/kiosk mode, their extras.
    ``remember_backend=False``: ``backend_url`` is for this run only (``reelbox demo`` on a free port)."""
    from ui.app.context import AppContext
    from ui.app.engine_thread import EngineThread
    from ui.app.window import MainWindow

    config = load_config(config_file)
    default_vo, default_ao = video_outputs()
    ctx = AppContext(engine=EngineThread(), config=config, config_file=config_file, tv=tv, kiosk=kiosk,
                     vo=vo or default_vo, ao=ao or default_ao)
    if backend_url and server_root(backend_url) != config.backend_url:
        if not remember_backend:
            ctx.saved_backend_url = config.backend_url
        ctx.update_config(backend_url=server_root(backend_url))
    window = MainWindow(ctx)
    if kiosk:
        from ui.app.kiosk import KioskGuard

        window.kiosk_guard = KioskGuard(window)
    if tv:
        from ui.app.mpris import export_mpris

        ctx.extra["mpris"] = export_mpris(window)
    return window


def _exec(app: Any, window: Any) -> int:
    """Show the window and run the loop: READY=1 once it is up, watchdog pings from the GUI thread, and
    SIGTERM/SIGINT quit cleanly (no kiosk PIN: that is systemd or the operator stopping the box)."""
    from ui.app.lifecycle import SignalQuitter, Watchdog

    watchdog = Watchdog()
    quitter = SignalQuitter(lambda _signum: app.exit(0))
    if window.ctx.kiosk:
        window.showFullScreen()
    else:
        window.resize(1280, 720)
        window.showFullScreen() if window.ctx.tv else window.show()
    watchdog.follow(window)
    window.start()
    watchdog.ready_when_loop_turns(window)
    try:
        return int(app.exec())
    finally:
        watchdog.stopping()
        quitter.close()
        window.shutdown()
        window.ctx.engine.stop()


def run_ui(args: argparse.Namespace) -> int:
    """``reelbox ui [--tv] [--kiosk] [--backend URL]``: the app against the configured backend."""
    app = make_app()
    window = build_window(tv=bool(getattr(args, "tv", False)), kiosk=bool(getattr(args, "kiosk", False)),
                          backend_url=getattr(args, "backend", None) or os.environ.get("REELBOX_BACKEND"))
    return _exec(app, window)


def run_demo(args: argparse.Namespace) -> int:
    """``reelbox demo``: see :mod:`ui.app.demo`."""
    from ui.app.demo import run_demo as demo

    return demo(args)

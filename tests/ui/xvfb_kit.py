"""Helpers for the scripts that drive the real app under Xvfb in their own process (Qt's platform
is chosen once per process, and the pytest process runs offscreen): pumping the event loop,
screen grabs, a signed-in window, and the fit checks every screenshot test applies."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keyring  # noqa: E402
from PySide6.QtCore import QCoreApplication, QPoint  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLabel, QToolButton, QWidget  # noqa: E402

from testkit import MemoryKeyring  # noqa: E402
from ui.app.main import build_window, make_app  # noqa: E402


def pump(seconds: float, until: Any = None) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        if until is not None and until():
            return True
        time.sleep(0.01)
    return until is None or bool(until())


def grab(path: Path) -> None:
    pump(0.3)
    QApplication.primaryScreen().grabWindow(0).save(str(path), "PNG")


def open_window(api_url: str, *, tv: bool = False, kiosk: bool = False, size: tuple[int, int] = (1280, 720),
                sign_in: bool = True) -> Any:
    """A shown, active main window at ``size``, signed in as the demo user (home loaded) unless told not to."""
    if not isinstance(keyring.get_keyring(), MemoryKeyring):
        keyring.set_keyring(MemoryKeyring())
    make_app()
    window = build_window(tv=tv, kiosk=kiosk, backend_url=api_url, vo="x11", ao="null")
    window.setGeometry(0, 0, *size)
    window.show()
    window.activateWindow()  # no window manager under Xvfb: focus (and so the keys) needs an active window
    pump(3, window.isActiveWindow)
    if sign_in:
        window.start()
        if window.current[0] == "signin" and window.signin.status.text() != "Signing in…":
            # typed only when no remembered sign-in is under way: a second sign-in replaces the client the
            # first is using, whose failure then reads as "unreachable" and the app went offline
            window.signin.email.setText("demo@reelbox.local")
            window.signin.password.setText("demo")
            window.signin.submit()
        assert pump(30, lambda: window.current[0] == "home" and window.home.rows), (
            f"home did not load: {window.current[0]}, sign-in says {window.signin.status.text()!r}, "
            f"home says {window.home.status.text()!r}")
    return window


def close_window(window: Any) -> None:
    if window.kiosk_guard is not None:
        window.kiosk_guard.timer.stop()  # its pings would go to the stopped engine
        window.kiosk_guard.retry_timer.stop()
    window.shutdown()
    window.ctx.engine.stop()
    window.hide()
    pump(0.2)


def subtitle_selected(window: Any) -> bool:
    """libmpv has a subtitle track selected in the window's running session."""
    session = window.controller.session
    output = session.output if session is not None else None
    tracks = (output.property("track-list") or []) if output is not None else []
    return any(t.get("type") == "sub" and t.get("selected") for t in tracks)


def _text(widget: QWidget) -> str:
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, (QLabel, QAbstractButton)):
        return widget.text()
    return ""


def fit_problems(window: QWidget) -> list[str]:
    """Visible widgets outside the window, and one-line texts wider than their widget (font metrics)."""
    problems: list[str] = []
    frame = window.rect()
    for w in window.findChildren(QWidget):
        if not w.isVisible() or w.width() <= 0 or w.window() is not window:
            continue
        top_left = w.mapTo(window, QPoint(0, 0))
        if (top_left.x() < 0 or top_left.y() < 0 or top_left.x() + w.width() > frame.width() + 1
                or top_left.y() + w.height() > frame.height() + 1) and not _scrolled(w):
            problems.append(f"{type(w).__name__} {_text(w)!r} at {top_left.x()},{top_left.y()} {w.width()}x{w.height()} "
                            f"outside {frame.width()}x{frame.height()}")
        text = _text(w)
        if not text or (isinstance(w, QLabel) and w.wordWrap()):
            continue
        if isinstance(w, QToolButton):  # a tile: each caption line within the poster's width
            need = max(w.fontMetrics().horizontalAdvance(line) for line in text.split("\n"))
            room = w.iconSize().width() - 6  # the text area: the poster less the ring and padding
        elif "\n" in text:
            continue
        elif isinstance(w, (QAbstractButton, QComboBox)):
            need, room = w.sizeHint().width(), w.width()
        else:
            need, room = w.fontMetrics().horizontalAdvance(text), w.contentsRect().width()
        if need > room + 1:
            problems.append(f"{type(w).__name__} {text!r} needs {need} px, has {room}")
    return problems


def _scrolled(widget: QWidget) -> bool:
    """Inside a scroll area: may sit outside the window until scrolled to (rows of tiles, long lists)."""
    parent = widget.parentWidget()
    while parent is not None:
        if parent.objectName() == "qt_scrollarea_viewport":
            return True
        parent = parent.parentWidget()
    return False

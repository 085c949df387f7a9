"""Run by test_app_screenshots.py under Xvfb: drive the real app and save home/title/player/downloads PNGs.

Usage: python screenshot_run.py API_URL OUT_DIR. Prints one JSON line with what it saw.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import keyring
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
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


def faults(api_url: str, body: dict[str, Any]) -> None:
    token = httpx.post(f"{api_url}/api/v1/auth/login", json={"email": "demo@reelbox.local", "password": "demo"}).json()["access_token"]
    for n in (0, 1):
        httpx.post(f"{api_url}/api/v1/admin/edges/{n}/faults", json=body, headers={"Authorization": f"Bearer {token}"}).raise_for_status()


def main(api_url: str, out: Path) -> int:
    keyring.set_keyring(MemoryKeyring())
    make_app()
    seen: dict[str, Any] = {}
    window = build_window(tv=False, kiosk=False, backend_url=api_url, vo="x11", ao="null")
    window.setGeometry(0, 0, 1280, 720)
    window.show()
    window.activateWindow()  # no window manager under Xvfb: focus (and so the keys) needs an active window
    pump(3, window.isActiveWindow)
    window.start()
    window.signin.email.setText("demo@reelbox.local")
    window.signin.password.setText("demo")
    window.signin.submit()
    assert pump(20, lambda: window.current[0] == "home" and window.home.rows), "home did not load"
    tiles = [t for r in window.home.rows for t in r.tiles]
    pump(5, lambda: all(not t.icon().isNull() for t in tiles))
    seen["home_artwork"] = sum(not t.icon().isNull() for t in tiles)
    grab(out / "home.png")

    window.go("title", "ui-alpha")
    assert pump(10, lambda: window.title_page.title is not None and window.title_page.art.pixmap() is not None
                and not window.title_page.art.pixmap().isNull()), "title page did not load"
    grab(out / "title.png")

    QTest.keyClick(window.title_page.play_button, Qt.Key.Key_Return)
    assert pump(25, lambda: (window.controller.last_stats.get("position_s") or 0) > 1.5), (
        f"playback did not advance: {window.player.message.text()!r} {window.controller.last_stats}")
    QTest.keyClick(window.player, Qt.Key.Key_I)
    pump(0.6)
    seen["stats"] = window.player.stats_panel.text()
    seen["video_geometry"] = [window.player.video.mapToGlobal(window.player.video.rect().topLeft()).x(),
                              window.player.video.mapToGlobal(window.player.video.rect().topLeft()).y(),
                              window.player.video.width(), window.player.video.height()]
    seen["overlay_height"] = window.player.overlay.height()
    grab(out / "player.png")
    QTest.keyClick(window.player, Qt.Key.Key_Escape)
    pump(1.0)

    faults(api_url, {"rate_kbps": 400})  # slow edges so the shot catches the download part-way
    try:
        window.go("title", "ui-beta")
        pump(10, lambda: window.title_page.title is not None and window.title_page.title.id == "ui-beta")
        window.title_page.download_button.setFocus()
        QTest.keyClick(window.title_page.download_button, Qt.Key.Key_Return)
        pump(20, lambda: window.downloads.by_title.get("ui-beta") is not None
             and window.downloads.by_title["ui-beta"].fraction > 0.15)
        prog = window.downloads.by_title.get("ui-beta")
        seen["title_download_bar"] = window.title_page.download_bar.isVisible()
        grab(out / "title-downloading.png")
        window.go("downloads")
        pump(8, lambda: bool(window.downloads_page.rows) and any(0 < r.bar.value() < 1000 for r in window.downloads_page.rows.values()))
        seen["download_fraction"] = prog.fraction if prog else None
        seen["download_rows"] = [r.detail.text() for r in window.downloads_page.rows.values()]
        seen["download_bar"] = [r.bar.value() for r in window.downloads_page.rows.values()]
        grab(out / "downloads.png")
        window.downloads.cancel("ui-beta")
        pump(1.0)
    finally:
        faults(api_url, {})
    window.shutdown()
    window.ctx.engine.stop()
    window.hide()
    seen |= tv_shots(api_url, out)
    print(json.dumps(seen))
    return 0


def tv_shots(api_url: str, out: Path) -> dict[str, Any]:
    """TV mode: home with the focus moved by an arrow key, and a title page; where the focused tile is."""
    seen: dict[str, Any] = {}
    window = build_window(tv=True, kiosk=False, backend_url=api_url, vo="x11", ao="null")
    window.setGeometry(0, 0, 1280, 720)
    window.show()
    window.activateWindow()
    pump(3, window.isActiveWindow)
    window.signin.email.setText("demo@reelbox.local")
    window.signin.password.setText("demo")
    window.signin.submit()
    assert pump(20, lambda: window.current[0] == "home" and window.home.rows), "TV home did not load"
    tiles = [t for r in window.home.rows for t in r.tiles]
    pump(5, lambda: all(not t.icon().isNull() for t in tiles))
    # a row with two tiles ("Continue watching" may hold one title, after the desktop shots played it)
    row = next(r for r in window.home.rows if len(r.tiles) >= 2)
    row.tiles[0].setFocus()
    pump(0.1)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)
    pump(0.3)
    focused = QApplication.focusWidget()
    seen["tv_focus_is_second_tile"] = focused is row.tiles[1]
    top_left = focused.mapToGlobal(focused.rect().topLeft())
    seen["tv_focus_geometry"] = [top_left.x(), top_left.y(), focused.width(), focused.height()]
    grab(out / "tv-home.png")
    QTest.keyClick(focused, Qt.Key.Key_Return)
    assert pump(10, lambda: window.current[0] == "title" and window.title_page.title is not None
                and window.title_page.art.pixmap() is not None and not window.title_page.art.pixmap().isNull()), "TV title"
    grab(out / "tv-title.png")
    window.shutdown()
    window.ctx.engine.stop()
    return seen


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], Path(sys.argv[2])))

"""Run by test_app_screenshots.py under Xvfb (1920x1080 screen): drive the real app and save a PNG per screen.

Usage: python screenshot_run.py API_URL DEAD_URL OUT_DIR [--live | --kiosk]. For desktop and TV at 1280x720 and
1920x1080 it shoots home, title, player (overlay up, subtitles on, paused in a cue), downloads (one
part-way), settings and offline (DEAD_URL answers nothing). With ``--live`` (API_URL runs a live channel)
it shoots the live screens instead: home with the Live row, the live player at the edge, and in
timeshift (TV: with Go live selected by ↑). With ``--kiosk``, kiosk mode at both sizes: home, the player, and a
play that failed (every edge answering 404) counting down to its retry. Prints one JSON line: per shot, the window
geometry, the fit problems found (widgets outside the window, texts wider than their widget) and the focused widget.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from xvfb_kit import close_window, fit_problems, open_window, pump, subtitle_selected  # noqa: E402  (adds the repo to sys.path)

import httpx  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

SIZES = ((1280, 720), (1920, 1080))


def faults(api_url: str, body: dict[str, Any]) -> None:
    token = httpx.post(f"{api_url}/api/v1/auth/login", json={"email": "demo@reelbox.local", "password": "demo"}).json()["access_token"]
    for n in (0, 1):
        httpx.post(f"{api_url}/api/v1/admin/edges/{n}/faults", json=body, headers={"Authorization": f"Bearer {token}"}).raise_for_status()


def _geometry(widget: Any) -> list[int]:
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def shot(window: Any, out: Path, name: str, seen: dict[str, Any]) -> None:
    """Save the window's area of the screen and what the fit checks found."""
    pump(0.4)
    geometry = _geometry(window)
    QApplication.primaryScreen().grabWindow(0, *geometry).save(str(out / f"{name}.png"), "PNG")
    focus = QApplication.focusWidget()
    seen[name] = {"window": geometry, "problems": fit_problems(window),
                  "focus": _geometry(focus) if focus is not None and focus.window() is window else None,
                  "focus_type": type(focus).__name__ if focus is not None else None}


def _position(window: Any) -> float:
    return window.controller.last_stats.get("position_s") or 0.0


def screens(api_url: str, out: Path, *, tv: bool, size: tuple[int, int], seen: dict[str, Any]) -> None:
    tag = f"{'tv' if tv else 'desktop'}-{size[0]}x{size[1]}"
    window = open_window(api_url, tv=tv, size=size)
    tiles = [t for r in window.home.rows for t in r.tiles]
    pump(5, lambda: all(t.art is not None for t in tiles) and window.home.hero.pixmap is not None)
    if tv:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)  # from the hero's Play to the first tile
    seen[f"home-{tag}-art"] = sum(t.art is not None for t in tiles)
    shot(window, out, f"home-{tag}", seen)

    window.go("title", "ui-alpha")
    assert pump(10, lambda: window.title_page.title is not None and window.title_page.backdrop.pixmap is not None), "title"
    shot(window, out, f"title-{tag}", seen)

    window.title_page.restart_button.click() if window.title_page.restart_button.isVisible() else \
        window.title_page.play_button.click()
    assert pump(25, lambda: _position(window) > 0.1), f"no playback: {window.player.message.text()!r}"
    window.player.choose_subtitles("en")
    assert pump(20, lambda: subtitle_selected(window) and 1.0 <= _position(window) <= 2.2), "no cue"
    window.controller.set_paused(True)
    QTest.keyClick(window.player, Qt.Key.Key_I)  # stats, over the picture
    window.player.show_overlay()
    seen[f"player-{tag}-video"] = _geometry(window.player.video)
    seen[f"player-{tag}-overlay"] = _geometry(window.player.overlay)
    seen[f"player-{tag}-stats"] = window.player.stats_panel.text()
    shot(window, out, f"player-{tag}", seen)
    QTest.keyClick(window.player, Qt.Key.Key_Question)
    shot(window, out, f"player-help-{tag}", seen)
    QTest.keyClick(window.player, Qt.Key.Key_Escape)  # closes the help
    QTest.keyClick(window.player, Qt.Key.Key_Escape)  # leaves the player
    pump(0.5)

    if not any(i.title_id == "ui-alpha" and i.state == "complete" for i in window.downloads.last):
        window.downloads.start("ui-alpha")  # finished, for the offline shots
        assert pump(30, lambda: any(i.title_id == "ui-alpha" and i.state == "complete" for i in window.downloads.last))
    faults(api_url, {"rate_kbps": 400})  # slow edges so the shot catches the download part-way
    try:
        window.downloads.start("ui-beta")
        window.go("downloads")
        assert pump(20, lambda: any(0 < r.bar.value() < 1000 for r in window.downloads_page.rows.values())), "no download"
        window.downloads_page.focus_first()
        seen[f"downloads-{tag}-bar"] = [r.bar.value() for r in window.downloads_page.rows.values()]
        shot(window, out, f"downloads-{tag}", seen)
        window.downloads.cancel("ui-beta")
        pump(1.0)
    finally:
        faults(api_url, {})
    window.go("settings")
    shot(window, out, f"settings-{tag}", seen)
    close_window(window)


def live_screens(api_url: str, out: Path, *, tv: bool, size: tuple[int, int], seen: dict[str, Any]) -> None:
    """Home's Live row, then the live player at the edge and 20 s back in its DVR window."""
    from ui.app.live_view import LiveView

    tag = f"{'tv' if tv else 'desktop'}-{size[0]}x{size[1]}"
    window = open_window(api_url, tv=tv, size=size)
    pump(3, lambda: window.home.hero.pixmap is not None)  # home settled (a reload replaces the tiles)
    if tv:
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)  # from the hero's Play to the live tile
    else:
        window.home.rows[0].tiles[0].setFocus()
    tile = window.home.rows[0].tiles[0]
    seen[f"live-home-{tag}-tile"] = _geometry(tile)
    seen[f"live-home-{tag}-badge"] = [tile.badge.width(), tile.badge.height()] if tile.badge else None
    shot(window, out, f"live-home-{tag}", seen)

    def view() -> Any:
        return LiveView.from_stats(window.controller.last_stats)

    tile = window.home.rows[0].tiles[0]  # home may have reloaded meanwhile (new tiles)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return) if tv else tile.click()
    assert pump(60, lambda: (v := view()) is not None and v.latency_s is not None and v.edge_s - v.start_s > 24
                and _position(window) > v.start_s), f"no live play: {window.player.message.text()!r} {view()}"
    if not view().at_live:  # a loaded box fell behind (a stall): back to live, as a viewer would
        window.controller.go_live()
    assert pump(20, lambda: view().at_live), f"not at live: {view()}"
    pump(1.0)
    window.player.show_overlay()
    seen[f"live-player-{tag}-video"] = _geometry(window.player.video)
    seen[f"live-player-{tag}-overlay"] = _geometry(window.player.overlay)
    seen[f"live-player-{tag}-labels"] = [window.player.overlay.position_label.text(), window.player.overlay.go_live.text()]
    seen[f"live-player-{tag}-bar"] = _geometry(window.player.seek_bar)
    shot(window, out, f"live-player-{tag}", seen)
    for wanted in (10, 20):  # each seek plays before the next key (one pressed mid-restart can stall: see the report)
        QTest.keyClick(window.player, Qt.Key.Key_Left)
        assert pump(15, lambda w=wanted: (v := view()) is not None and v.timeshift and v.behind_s > w), f"no timeshift: {view()}"
        landed = view().position_s
        assert pump(15, lambda at=landed: view().position_s > at + 0.5), f"not playing after the seek: {view()}"
    if tv:
        QTest.keyClick(window.player, Qt.Key.Key_Up)  # Go live selected, as a remote reaches it
    window.player.show_overlay()
    seen[f"live-timeshift-{tag}-go"] = _geometry(window.player.overlay.go_live)
    seen[f"live-timeshift-{tag}-labels"] = [window.player.overlay.position_label.text(), window.player.overlay.go_live.text()]
    shot(window, out, f"live-timeshift-{tag}", seen)
    QTest.keyClick(window.player, Qt.Key.Key_Escape)
    pump(0.5)
    close_window(window)


def kiosk_screens(api_url: str, out: Path, *, size: tuple[int, int], seen: dict[str, Any]) -> None:
    """Kiosk mode: home (its tabs), the player paused with its overlay up (its top bar's texts), then the same title
    played again with every edge answering 404: the failure counting down to its retry."""
    from PySide6.QtWidgets import QLabel, QPushButton

    from ui.app.kiosk import PlayRetry

    tag = f"kiosk-{size[0]}x{size[1]}"
    window = open_window(api_url, kiosk=True, size=size)
    pump(5, lambda: window.home.hero.pixmap is not None)
    seen[f"home-{tag}-tabs"] = [b.text() for b in window.nav_buttons.values() if b.isVisible()]
    shot(window, out, f"home-{tag}", seen)

    window.go("title", "ui-alpha")
    assert pump(10, lambda: window.title_page.title is not None), "title"
    page = window.title_page
    page.restart_button.click() if page.restart_button.isVisible() else page.play_button.click()
    assert pump(25, lambda: _position(window) > 1.0), f"no playback: {window.player.message.text()!r}"
    window.controller.set_paused(True)
    window.player.show_overlay()
    top = window.player.top
    seen[f"player-{tag}-video"] = _geometry(window.player.video)
    seen[f"player-{tag}-overlay"] = _geometry(window.player.overlay)
    seen[f"player-{tag}-top"] = _geometry(top)
    seen[f"player-{tag}-top-texts"] = [w.text() for kind in (QPushButton, QLabel) for w in top.findChildren(kind)
                                       if w.isVisible()]
    shot(window, out, f"player-{tag}", seen)

    window.kiosk_guard.retry = PlayRetry((60.0,))  # the last minute on the shot, counted down ("60 s", "59 s", …)
    faults(api_url, {"error_status": 404})
    try:
        window.player.retry()
        assert pump(30, lambda: "Trying again in" in window.player.message.text()), "no retry countdown"
        pump(1.0)
        seen[f"retry-{tag}-message"] = [window.player.message.text(), _geometry(window.player.message)]
        seen[f"retry-{tag}-video"] = _geometry(window.player.video)
        shot(window, out, f"retry-{tag}", seen)
    finally:
        faults(api_url, {})
    window.ctx.update_config(last_screen="home")  # the next size's window opens on home, not replaying this title
    close_window(window)


def offline(dead_url: str, out: Path, *, tv: bool, size: tuple[int, int], seen: dict[str, Any]) -> None:
    tag = f"{'tv' if tv else 'desktop'}-{size[0]}x{size[1]}"
    window = open_window(dead_url, tv=tv, size=size, sign_in=False)
    window.start()
    assert pump(15, lambda: window.current[0] == "downloads" and window.offline_banner.isVisible()), "not offline"
    pump(3, lambda: bool(window.downloads_page.rows))
    window.downloads_page.focus_first()
    shot(window, out, f"offline-{tag}", seen)
    close_window(window)


def main(api_url: str, dead_url: str, out: Path, live: bool = False, kiosk: bool = False) -> int:
    seen: dict[str, Any] = {}
    for mode in ("kiosk",) if kiosk else ("desktop", "tv"):
        for size in SIZES:
            if kiosk:
                kiosk_screens(api_url, out, size=size, seen=seen)
            elif live:
                live_screens(api_url, out, tv=mode == "tv", size=size, seen=seen)
            else:
                screens(api_url, out, tv=mode == "tv", size=size, seen=seen)
                offline(dead_url, out, tv=mode == "tv", size=size, seen=seen)
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), live="--live" in sys.argv[4:],
                          kiosk="--kiosk" in sys.argv[4:]))

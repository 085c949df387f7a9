"""Run by test_app_player_xvfb.py under Xvfb: play a title in the real app and report what was on screen.

Usage: python player_run.py SCENARIO API_URL OUT_DIR. Prints one JSON line.
Scenarios: ``subtitles`` — turn subtitles on from the player's toggle, pause inside a cue, grab the screen
with subtitles on and then off (same paused frame).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from xvfb_kit import close_window, grab, open_window, pump, subtitle_selected  # noqa: E402  (adds the repo to sys.path)

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402


def _position(window: Any) -> float:
    return window.controller.last_stats.get("position_s") or 0.0


def subtitles(api_url: str, out: Path) -> dict[str, Any]:
    window = open_window(api_url)
    seen: dict[str, Any] = {}
    window.go("title", "ui-alpha")
    assert pump(10, lambda: window.title_page.title is not None), "title page did not load"
    window.title_page.play.emit("ui-alpha", 0.0)
    assert pump(20, lambda: _position(window) > 0.1), f"no playback: {window.player.message.text()!r}"
    QTest.keyClick(window.player, Qt.Key.Key_S)  # the app's toggle, as a viewer presses it
    seen["menu"] = window.player.subtitles.currentText()
    assert pump(20, lambda: subtitle_selected(window) and 1.0 <= _position(window) <= 2.2), (
        f"subtitle track not selected in a cue: {_position(window)}")
    QTest.keyClick(window.player, Qt.Key.Key_Space)
    pump(0.8)
    seen["paused_at"] = _position(window)
    seen["video_geometry"] = _geometry(window.player.video)
    seen["overlay_top"] = window.player.overlay.mapToGlobal(window.player.overlay.rect().topLeft()).y()
    window.player.overlay.hide()
    window.player.top.hide()
    grab(out / "subs-on.png")
    window.player.choose_subtitles(None)
    pump(0.8)
    grab(out / "subs-off.png")
    close_window(window)
    return seen


def _geometry(widget: Any) -> list[int]:
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


if __name__ == "__main__":
    scenario, api, target = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    print(json.dumps({"subtitles": subtitles}[scenario](api, target)))

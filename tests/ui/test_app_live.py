"""Live in the app (issue 15), offscreen Qt against the backend's real live channel (real ffmpeg, real
edges, real libmpv with vo=null): the Live row and its badge, a live play's DVR window on the seek bar,
timeshift then Go live, and the TV remote's path to Go live.

One backend with the two tiny VOD titles and one live channel serves the module (a real-time encode
costs CPU); each play lasts a few seconds.
"""
from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from backend_stub.server import Backend
from tests.ui.conftest import open_tv_home, sign_in
from ui.app.live_view import LiveView

MIN_WINDOW_S = 24.0  # deep enough to seek 20 s back and still be inside the window


@pytest.fixture(scope="module")
def ui_backend(live_ui_backend: Backend) -> Backend:
    """The app's usual titles plus a live channel (overrides conftest's per-test backend in this module)."""
    return live_ui_backend


def _view(window: Any) -> LiveView | None:
    return LiveView.from_stats(window.controller.last_stats)


def _play_live(qtbot: Any, window: Any) -> LiveView:
    """Wait until the live play follows live (its latency measured, near the target) with a DVR window deep enough to
    timeshift in. (A CI run once read a first poll at position 0.0, 31.7 s behind; the keys then seeked from there.)"""
    qtbot.waitUntil(lambda: (v := _view(window)) is not None and v.latency_s is not None and v.at_live
                    and v.edge_s - v.start_s >= MIN_WINDOW_S, timeout=60000)
    view = _view(window)
    assert view is not None
    return view


def _timeshift_back(qtbot: Any, window: Any, key_target: Any) -> LiveView:
    """Two presses of ← (10 s each, each waited for): the engine is in timeshift about 20 s further back."""
    before = _view(window)
    assert before is not None
    for wanted in (before.behind_s + 8, before.behind_s + 18):
        qtbot.keyClick(key_target, Qt.Key.Key_Left)
        qtbot.waitUntil(lambda w=wanted: (v := _view(window)) is not None and v.timeshift and v.behind_s > w, timeout=20000)
        landed = _view(window).position_s  # type: ignore[union-attr]
        qtbot.waitUntil(lambda at=landed: _view(window).position_s > at + 0.5, timeout=20000)  # type: ignore[union-attr]  # playing there
    view = _view(window)
    assert view is not None and not view.at_live
    assert view.behind_s < before.behind_s + 20 + 3  # where the viewer asked, not further
    return view


def _assert_back_at_live(qtbot: Any, window: Any) -> LiveView:
    """After Go live: out of timeshift, the engine's latency within a second of its target, control lit."""
    qtbot.waitUntil(lambda: (v := _view(window)) is not None and not v.timeshift and v.latency_s is not None
                    and v.latency_s <= v.target_s + 1.0 and v.behind_s <= v.target_s + 1.0, timeout=20000)
    view = _view(window)
    assert view is not None
    qtbot.waitUntil(lambda: window.player.overlay.go_live.property("lit") is True, timeout=2000)
    assert window.player.overlay.go_live.text() == "● LIVE"
    return view


def test_live_row_lists_the_channel_with_a_red_badge(qtbot: Any, make_window: Any) -> None:
    """Home's first row is Live with the channel's tile, which carries a red LIVE badge; the channel is in no
    other row (not New, not a "Live" genre row, not Continue watching), and the VOD rows are still there."""
    window = make_window()
    window.show()
    window.start()
    sign_in(qtbot, window)
    rows = window.home.rows
    assert rows[0].heading == "Live" and [t.title.id for t in rows[0].tiles] == ["live"]
    tile = rows[0].tiles[0]
    assert tile.title.live and tile.badge is not None
    image = tile.icon().pixmap(tile.iconSize()).toImage()
    centre = QColor(image.pixel(tile.badge.left() + 2, tile.badge.center().y()))
    assert centre.red() > 200 and centre.green() < 60 and centre.blue() < 60, centre.name()
    assert all(t.title.id != "live" for r in rows[1:] for t in r.tiles)
    assert {"ui-alpha", "ui-beta"} <= {t.title.id for r in rows[1:] for t in r.tiles}
    assert all(not t.badge for r in rows[1:] for t in r.tiles)


def test_live_play_shows_the_dvr_window_and_go_live_returns_to_target(qtbot: Any, make_window: Any) -> None:
    """Opening the live tile plays at once (no title page); the seek bar spans the DVR window with the playhead
    inside it and the time reads behind live; ← ← timeshifts 20 s (Go live unlit), L returns within the target latency."""
    window = make_window()
    window.show()
    window.start()
    sign_in(qtbot, window)
    tile = window.home.rows[0].tiles[0]
    tile.click()
    assert window.current == ("player", "live")
    view = _play_live(qtbot, window)
    bar = window.player.seek_bar
    qtbot.waitUntil(lambda: bar.live and bar.start_s <= bar.position_s <= bar.duration_s, timeout=2000)
    assert abs(bar.duration_s - view.edge_s) < 5 and bar.span_s >= MIN_WINDOW_S
    overlay = window.player.overlay
    assert not overlay.go_live.isHidden() and overlay.duration_label.isHidden()  # the overlay itself may have hidden
    assert overlay.position_label.text().startswith("−") and overlay.latency_label.text().startswith("Latency ")
    assert bar.time_text(bar.duration_s - 42) == "−0:42"
    _assert_back_at_live(qtbot, window)

    player = window.player
    back = _timeshift_back(qtbot, window, player)
    qtbot.waitUntil(lambda: overlay.go_live.property("lit") is False, timeout=2000)
    assert overlay.go_live.text() == "Go live"
    assert back.start_s <= back.position_s < back.edge_s - 15
    pressed = time.monotonic()
    qtbot.keyClick(player, Qt.Key.Key_L)
    live = _assert_back_at_live(qtbot, window)
    print(f"Go live: back at live {time.monotonic() - pressed:.2f} s after L (seen through the 0.25 s stats poll); "
          f"latency {live.latency_s:.2f} s, target {live.target_s:.2f} s, {live.behind_s:.2f} s behind the edge")
    assert window.controller.last_stats.get("duration_s") is None  # a channel has no length


def test_a_retried_live_play_rejoins_at_the_hold_back_point(qtbot: Any, make_window: Any) -> None:
    """A live play timeshifted 20 s back, then retried (what the kiosk does after a failure): the new play starts at
    the channel's hold-back point, not at the old timeline position, which may have left the DVR window by then."""
    window = make_window()
    window.show()
    window.start()
    sign_in(qtbot, window)
    window.home.rows[0].tiles[0].click()
    first = _play_live(qtbot, window)
    back = _timeshift_back(qtbot, window, window.player)
    window.player.retry()
    _play_live(qtbot, window)
    again = _assert_back_at_live(qtbot, window)
    # a play started at a position would take that position's distance from the edge as its target latency
    assert again.target_s == first.target_s < back.behind_s - 10, (first, back, again)


def test_tv_remote_reaches_go_live_by_arrows_and_ok(qtbot: Any, make_window: Any, ui_backend: Backend) -> None:
    """TV mode with keys only: ↓ from the hero to the Live row's tile, OK plays it live, ← ← timeshifts 20 s, ↑ selects
    Go live (highlighted), OK presses it and playback is back within the target latency."""
    window = open_tv_home(qtbot, make_window, ui_backend.api_url)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.home.rows[0].tiles[0]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.current == ("player", "live")
    _play_live(qtbot, window)
    player = window.player
    _timeshift_back(qtbot, window, QApplication.focusWidget())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)
    assert player.overlay.go_live.property("selected") is True and player.overlay.go_live.isVisible()
    volume = window.controller.volume
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert player.overlay.go_live.property("selected") is False
    assert not window.controller.paused and window.controller.volume == volume  # OK pressed Go live, nothing else
    _assert_back_at_live(qtbot, window)

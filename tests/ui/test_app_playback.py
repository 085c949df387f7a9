"""Playback in the app on this machine's real conditions (offscreen Qt, libmpv with vo=null)."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt

from backend_stub.server import Backend
from testkit import FAST_SETTINGS
from tests.ui.conftest import edge_faults, open_title

SEGMENT_S = 2.0


@pytest.fixture(scope="module")
def long_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """One clear 16 s title with three rungs, so a quality change has a full buffer ahead to drop."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("ui-long")
    make_test_title(data, "ui-long", seconds=16, heights=(144, 240, 360))
    backend = Backend(data, demo_user=True, settings=FAST_SETTINGS, ingest_worker=False).start()
    yield backend
    backend.stop()


def _height(window: Any) -> int | None:
    return window.controller.last_stats.get("height")


def test_chosen_quality_shows_within_a_segment_and_a_second(qtbot: Any, make_window: Any, long_backend: Backend) -> None:
    """Once the picture is at the top rung with the buffer full ahead, choosing the lowest quality in the player's
    menu changes the decoded picture's height within one segment + 1 s (it used to wait for the buffer to play out)."""
    window = open_title(qtbot, make_window, "ui-long", backend_url=long_backend.api_url)
    window.title_page.play.emit("ui-long", 0.0)
    qtbot.waitUntil(lambda: _height(window) == 360 and (window.controller.last_stats.get("buffer_s") or 0) > 2 * SEGMENT_S,
                    timeout=20000)
    player = window.player
    qtbot.waitUntil(lambda: player.quality.count() == 4, timeout=5000)
    lowest = player.quality.findData(0)
    chosen_at = time.monotonic()
    player.quality.setCurrentIndex(lowest)
    player.quality.activated.emit(lowest)  # what choosing the item in the open menu does
    qtbot.waitUntil(lambda: _height(window) == 144, timeout=10000)
    shown_after = time.monotonic() - chosen_at
    print(f"chosen quality on screen after {shown_after:.2f} s")
    assert shown_after <= SEGMENT_S + 1.0 + 0.25  # + the stats poll interval


def test_no_sound_device_plays_to_the_end_with_a_notice(qtbot: Any, make_window: Any) -> None:
    """With the default audio output on a machine without a sound device (this one), a title plays to its end,
    finishes without an error, and the player says it plays without sound."""
    window = open_title(qtbot, make_window, "ui-beta", ao="auto")
    failures: list[str] = []
    notices: list[str] = []
    window.controller.failed.connect(failures.append)
    window.controller.noticed.connect(notices.append)
    with qtbot.waitSignal(window.controller.finished, timeout=30000) as ended:
        window.title_page.play.emit("ui-beta", 0.0)
    assert failures == [] and ended.args[0]["errors"] == []
    assert ended.args[0]["played_s"] >= 5.0
    assert notices and "sound" in notices[0].lower()
    assert window.player.notice.text() == notices[0]


def test_up_next_counts_down_and_languages_are_remembered(qtbot: Any, make_window: Any) -> None:
    """Subtitles chosen on one title are on when the next starts (per user, saved); at the end of a title "Up next"
    names the following one and starts it when its countdown ends."""
    from ui.app import preferences

    window = open_title(qtbot, make_window, "ui-alpha")
    player = window.player
    player.up_next.seconds = 1
    window.title_page.play.emit("ui-alpha", 0.0)
    qtbot.waitUntil(lambda: bool(window.controller.last_stats), timeout=20000)
    player.choose_subtitles("en")
    assert preferences.languages(window.ctx.config, "demo@reelbox.local") == (None, "en")
    qtbot.waitUntil(lambda: window.controller.session is not None
                    and window.controller.session.options.subtitle_language == "en", timeout=5000)
    qtbot.waitUntil(player.up_next.isVisible, timeout=20000)
    assert "Up next: Test ui-beta" in player.up_next.label.text()
    qtbot.waitUntil(lambda: window.controller.title_id == "ui-beta" and window.controller.active, timeout=10000)
    assert window.current[0] == "player" and player.top.title_label.text() == "Test ui-beta"

    window.go_back()
    window.go("title", "ui-alpha")
    qtbot.waitUntil(lambda: window.title_page.title is not None and window.title_page.title.id == "ui-alpha", timeout=10000)
    window.title_page.play.emit("ui-alpha", 0.0)
    qtbot.waitUntil(lambda: window.controller.session is not None, timeout=5000)
    assert window.controller.session.options.subtitle_language == "en" and player.subtitles.currentText() == "Subtitles en"


def test_subtitles_chosen_with_the_bar_up_show_above_the_bar(qtbot: Any, make_window: Any) -> None:
    """Choosing subtitles restarts the play while the control bar is up; the new libmpv starts with the cues
    lifted above the bar (they sat under it, hidden, until the bar hid — seen on the Xvfb screenshots)."""
    window = open_title(qtbot, make_window, "ui-alpha")
    player = window.player
    window.title_page.play.emit("ui-alpha", 0.0)
    qtbot.waitUntil(lambda: bool(window.controller.last_stats), timeout=20000)
    player.resize(1280, 720)
    player.show_overlay()
    lifted = window.controller.subtitle_pos
    assert lifted < 100
    player.choose_subtitles("en")

    def sub_pos() -> object:
        session = window.controller.session
        if session is None or session.options.subtitle_language != "en" or session.output is None:
            return None
        return session.output.property("sub-pos")

    qtbot.waitUntil(lambda: sub_pos() is not None, timeout=10000)
    assert sub_pos() == lifted


def test_failed_play_offers_to_try_again(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """A play that failed (every edge answers 404) leaves no "Pause" beside its sentence: the button reads "Try again";
    Space (like the button) plays the title again, to its end once the edges answer."""
    window = open_title(qtbot, make_window, "ui-beta")
    player = window.player
    edge_faults(ui_backend.api_url, {"error_status": 404})
    with qtbot.waitSignal(window.controller.failed, timeout=30000):
        window.title_page.play.emit("ui-beta", 0.0)
    assert player.message.isVisible() and player.play_button.text() == "Try again"
    with qtbot.waitSignal(window.controller.failed, timeout=30000):
        qtbot.keyClick(player, Qt.Key.Key_Space)
    assert window.controller.title_id == "ui-beta" and player.play_button.text() == "Try again"
    edge_faults(ui_backend.api_url, {})
    with qtbot.waitSignal(window.controller.finished, timeout=30000) as ended:
        player.play_button.click()
    assert ended.args[0]["played_s"] >= 5.0 and player.message.isHidden()

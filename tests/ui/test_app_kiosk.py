"""Kiosk mode: the PIN guards quitting, the last screen comes back after a restart, downloads when offline, a failed
play is played again after a wait."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from tests.ui.conftest import KIOSK_PIN, edge_faults, sign_in


def test_kiosk_quits_only_with_the_pin(qtbot: Any, make_window: Any) -> None:
    """Closing with a wrong PIN keeps the window; the configured PIN lets it close."""
    window = make_window(kiosk=True)
    window.show()
    guard = window.kiosk_guard
    guard.ask_pin = lambda: "9999"
    assert not window.close() and window.isVisible()
    guard.ask_pin = lambda: KIOSK_PIN
    assert window.close()


def _kiosk_on_title(qtbot: Any, make_window: Any) -> Any:
    """A signed-in kiosk window on the title page of ui-beta."""
    window = make_window(kiosk=True)
    window.show()
    window.start()
    sign_in(qtbot, window)
    with qtbot.waitSignal(window.title_page.loaded, timeout=10000):
        window.go("title", "ui-beta")
    return window


def test_kiosk_restores_last_screen_and_falls_back_offline(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """A restarted kiosk opens the title it showed last; with the backend gone it shows the downloads row."""
    first = _kiosk_on_title(qtbot, make_window)
    first.kiosk_guard.unlock(KIOSK_PIN)
    first.close()
    second = make_window(kiosk=True)
    second.show()
    with qtbot.waitSignal(second.title_page.loaded, timeout=15000):
        second.start()
    assert second.current == ("title", "ui-beta")
    ui_backend.stop()
    second.kiosk_guard.check()
    qtbot.waitUntil(lambda: second.kiosk_guard.offline and second.current[0] == "home", timeout=15000)
    qtbot.waitUntil(lambda: [r.heading for r in second.home.rows] == ["Downloaded"], timeout=10000)
    assert "cannot be reached" in second.home.status.text()


def _kiosk_play_failing(qtbot: Any, make_window: Any, ui_backend: Any, wait_s: float, wait_text: str) -> Any:
    """A signed-in kiosk window whose play of ui-beta failed (every edge answering 404), its retry ``wait_s`` away."""
    from ui.app.kiosk import PlayRetry

    window = _kiosk_on_title(qtbot, make_window)
    window.kiosk_guard.retry = PlayRetry((wait_s,))
    edge_faults(ui_backend.api_url, {"error_status": 404})
    with qtbot.waitSignal(window.controller.failed, timeout=30000):
        window.title_page.play.emit("ui-beta", 0.0)
    qtbot.waitUntil(lambda: f"Trying again in {wait_text}." in window.player.message.text(), timeout=2000)
    return window


def test_kiosk_plays_a_failed_title_again_after_a_wait(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """A play that fails (every edge answers 404) keeps its sentence on screen with when it will try again, and the
    same title is played again after that wait, to its end once the edges are back — no one is there to press Play."""

    window = _kiosk_play_failing(qtbot, make_window, ui_backend, 1.0, "1 s")
    assert window.player.message.isVisible() and window.current[0] == "player"
    picture = window.player.video.grab().toImage()  # black around the message, not the screen shown before
    assert {picture.pixelColor(x, y).name() for x in (2, picture.width() // 2) for y in (2, picture.height() - 3)} == {"#000000"}
    edge_faults(ui_backend.api_url, {})
    with qtbot.waitSignal(window.controller.finished, timeout=30000) as ended:
        pass  # the retry, a second after the failure
    assert window.controller.title_id == "ui-beta" and ended.args[0]["played_s"] >= 5.0


def test_play_retry_waits_longer_each_time_and_starts_over_after_a_long_play() -> None:
    """The waits grow to the last and stay there; a play that ran for the longest wait before failing starts over."""
    from ui.app.kiosk import PlayRetry

    retry = PlayRetry((5.0, 15.0, 60.0))
    retry.started(0.0)
    assert [retry.failed(1.0), retry.failed(2.0), retry.failed(3.0), retry.failed(4.0)] == [5.0, 15.0, 60.0, 60.0]
    retry.started(100.0)
    assert retry.failed(160.0) == 5.0


def test_retry_wait_reads_in_seconds_up_to_a_minute_and_only_goes_down() -> None:
    """The countdown's wait: minutes rounded up above 60 s, whole seconds (rounded up, at least 1) from 60 s down, so
    it never reads "1 min" and then "60 s"; counted down in tenths of a second from 5 min, the text never goes up."""
    from ui.app.kiosk import wait_text

    cases = {300: "5 min", 240.5: "5 min", 240: "4 min", 120.2: "3 min", 61: "2 min", 60.5: "2 min", 60: "60 s",
             59.2: "60 s", 59: "59 s", 1: "1 s", 0.2: "1 s", 0: "1 s", -0.4: "1 s"}
    assert {left_s: wait_text(left_s) for left_s in cases} == cases

    def seconds(text: str) -> int:
        n, unit = text.split()
        return int(n) * (60 if unit == "min" else 1)

    texts = [wait_text(tenths / 10) for tenths in range(3000, -1, -1)]
    assert all(seconds(a) >= seconds(b) for a, b in zip(texts, texts[1:]))
    assert "1 min" not in texts  # "2 min", then "60 s"


def test_kiosk_pin_is_stored_only_as_a_hash(tmp_path: Any, reelbox_home: Any) -> None:
    """`reelbox kiosk-pin` (what provisioning runs) stores a salted hash that verifies, never the PIN; a clear-text
    PIN in an older config.toml is replaced by its hash on the first load; there is no default PIN."""
    import os
    import subprocess
    import sys

    from player.paths import config_file
    from ui.app.config import AppConfig, load_config
    from ui.app.pin import verify_pin

    assert AppConfig().kiosk_pin_hash == ""
    run = subprocess.run([sys.executable, "-m", "ui", "kiosk-pin"], input="271828\n", capture_output=True, text=True,
                         env=dict(os.environ, REELBOX_HOME=str(reelbox_home)), timeout=60)
    assert run.returncode == 0, run.stderr
    text = config_file().read_text()
    assert "271828" not in text and verify_pin("271828", load_config().kiosk_pin_hash)
    assert not verify_pin("271829", load_config().kiosk_pin_hash)

    legacy = tmp_path / "legacy.toml"
    legacy.write_text('[app]\nkiosk_pin = "0420"\nemail = "box@example.com"\n')
    config = load_config(legacy)
    assert verify_pin("0420", config.kiosk_pin_hash) and config.email == "box@example.com"
    assert "0420" not in legacy.read_text() and "kiosk_pin_hash" in legacy.read_text()

    old_default = tmp_path / "old-default.toml"  # every file the old writer saved held the default "0000"
    old_default.write_text('[app]\nkiosk_pin = "0000"\nemail = "box@example.com"\n')
    config = load_config(old_default)
    assert config.kiosk_pin_hash == "" and "kiosk_pin =" not in old_default.read_text()


def _backend_again(old: Any) -> Any:
    """A backend started again on ``old``'s ports and data (its edges without faults)."""
    from backend_stub.server import Backend
    from testkit import FAST_SETTINGS

    port = int(old.api_url.rsplit(":", 1)[1])
    again = Backend(old.data_dir, demo_user=True, port=port, settings=FAST_SETTINGS, ingest_worker=False).start()
    assert again.api_url == old.api_url
    return again


def test_kiosk_keeps_a_failed_play_and_retries_it_when_the_backend_comes_back(
    qtbot: Any, make_window: Any, ui_backend: Any
) -> None:
    """A play that failed while backend and edges went away stays on the player with its retry through the outage;
    when the backend answers again the title is played at once (not after the minute's wait), not sent home."""
    window = _kiosk_play_failing(qtbot, make_window, ui_backend, 60.0, "60 s")
    guard = window.kiosk_guard
    ui_backend.stop()
    guard.check()
    qtbot.waitUntil(lambda: guard.offline, timeout=15000)
    assert window.current[0] == "player" and window.player.message.isVisible()
    again = _backend_again(ui_backend)
    try:
        with qtbot.waitSignal(window.controller.started, timeout=15000):  # well before the minute is up
            guard.check()
        assert window.current[0] == "player" and window.controller.title_id == "ui-beta"
        with qtbot.waitSignal(window.controller.finished, timeout=30000) as ended:
            pass
        assert ended.args[0]["played_s"] >= 5.0
    finally:
        again.stop()


def test_kiosk_leaves_a_running_play_alone_when_the_backend_comes_back(
    qtbot: Any, make_window: Any, ui_backend: Any
) -> None:
    """A download playing through an outage keeps playing when the backend answers again: the same session, still
    on the player — the box is not sent home in the middle of it."""
    window = make_window(kiosk=True)
    window.show()
    window.start()
    sign_in(qtbot, window)
    guard = window.kiosk_guard
    window.downloads.start("ui-alpha")
    qtbot.waitUntil(lambda: any(i.state == "complete" for i in window.downloads.last), timeout=30000)
    ui_backend.stop()
    guard.check()
    qtbot.waitUntil(lambda: guard.offline and [r.heading for r in window.home.rows] == ["Downloaded"], timeout=15000)
    tile = window.home.rows[0].tiles[0]
    with qtbot.waitSignal(window.controller.started, timeout=10000):
        tile.activated.emit(tile.title.id)
    qtbot.waitUntil(lambda: window.controller.last_stats.get("position_s", 0.0) > 0.5, timeout=15000)
    window.controller.set_paused(True)  # a 6 s title: held where it is while the backend comes back
    session = window.controller.session
    again = _backend_again(ui_backend)
    try:
        guard.check()
        qtbot.waitUntil(lambda: not guard.offline, timeout=15000)
        qtbot.wait(500)
        assert window.current[0] == "player" and window.controller.session is session
        with qtbot.waitSignal(window.controller.finished, timeout=30000):
            window.controller.set_paused(False)
        assert window.player.message.isHidden()
    finally:
        again.stop()


def _play_until(qtbot: Any, window: Any, position_s: float) -> None:
    """Wait until the play has reached ``position_s``, then pause it there (the resume sync sends the position)."""
    qtbot.waitUntil(lambda: window.controller.last_stats.get("position_s", 0.0) >= position_s, timeout=20000)
    window.controller.set_paused(True)
    qtbot.wait(1000)


def _restarted(make_window: Any, first: Any) -> Any:
    """``first`` stopped (as systemd stops the box), and a new kiosk window started on the same home."""
    first.kiosk_guard.unlock(KIOSK_PIN)
    first.close()
    second = make_window(kiosk=True)
    second.show()
    second.start()
    return second


def _restarted_offline(qtbot: Any, make_window: Any, first: Any, backend: Any, title_id: str) -> Any:
    """``first`` restarted with ``backend`` gone: the new kiosk window once it plays ``title_id``."""
    backend.stop()
    second = _restarted(make_window, first)
    second.kiosk_guard.check()
    qtbot.waitUntil(lambda: second.current == ("player", title_id) and second.controller.active, timeout=20000)
    return second


def test_restarted_kiosk_plays_the_title_it_was_playing(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """A kiosk stopped in the middle of a title plays it again on start, where the resume sync had it; the config holds
    the title id and kind only. A desktop window restarted the same way opens on home."""
    first = _kiosk_on_title(qtbot, make_window)
    with qtbot.waitSignal(first.controller.started, timeout=10000):
        first.title_page.play.emit("ui-beta", 0.0)
    _play_until(qtbot, first, 2.5)
    assert first.ctx.config.last_screen == "player:ui-beta"
    second = _restarted(make_window, first)
    qtbot.waitUntil(lambda: second.current == ("player", "ui-beta") and second.controller.active, timeout=15000)
    qtbot.waitUntil(lambda: "position_s" in second.controller.last_stats, timeout=15000)
    assert second.controller.session.playhead.start_s >= 2.0
    assert second.player.title is not None and second.player.title.name  # the top bar names it
    second.kiosk_guard.unlock(KIOSK_PIN)
    second.close()

    desktop = make_window()
    desktop.show()
    with qtbot.waitSignal(desktop.home.loaded, timeout=15000):
        desktop.start()
    qtbot.wait(500)
    assert desktop.current[0] == "home" and not desktop.controller.active


def test_restarted_kiosk_without_backend_plays_the_download_it_was_playing(
    qtbot: Any, make_window: Any, ui_backend: Any
) -> None:
    """A kiosk stopped while a download played, started again with no backend to reach, plays that download again
    from where it was."""
    first = make_window(kiosk=True)
    first.show()
    first.start()
    sign_in(qtbot, first)
    first.downloads.start("ui-alpha")
    qtbot.waitUntil(lambda: any(i.state == "complete" for i in first.downloads.last), timeout=30000)
    info = next(i for i in first.downloads.last if i.state == "complete")
    with qtbot.waitSignal(first.controller.started, timeout=10000):
        first._play_download(info)
    _play_until(qtbot, first, 2.5)
    assert first.ctx.config.last_screen == "player-download:ui-alpha"
    second = _restarted_offline(qtbot, make_window, first, ui_backend, "ui-alpha")
    qtbot.waitUntil(lambda: "position_s" in second.controller.last_stats, timeout=15000)
    assert second.controller.session.playhead.start_s >= 2.0


def test_kiosk_player_has_no_back_and_is_left_only_with_the_pin(qtbot: Any, make_window: Any) -> None:
    """The kiosk's player shows no Back (its top bar names the title only), and Back keys leave it only with the PIN,
    as Ctrl+F (search, on home) does: a wrong PIN, or none, and the title plays on. A desktop player keeps its Back."""
    window = _kiosk_on_title(qtbot, make_window)
    with qtbot.waitSignal(window.controller.started, timeout=10000):
        window.title_page.play.emit("ui-beta", 0.0)
    _play_until(qtbot, window, 0.5)  # paused: a 6 s title must not end under the test
    window.player.show_overlay()
    assert window.player.top.isVisible() and window.player.top.back_button.isHidden()
    asked: list[str] = []
    no_modifier, ctrl = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier
    for key, modifier, pin in ((Qt.Key.Key_Escape, no_modifier, "9999"), (Qt.Key.Key_Back, no_modifier, None),
                               (Qt.Key.Key_F, ctrl, None)):
        window.kiosk_guard.ask_pin = lambda prompt="", pin=pin: asked.append(prompt) or pin
        qtbot.keyClick(window.player, key, modifier)
        assert window.current == ("player", "ui-beta") and window.controller.active, key
    assert asked == ["PIN to leave the player:"] * 3
    window.kiosk_guard.ask_pin = lambda prompt="": KIOSK_PIN
    qtbot.keyClick(window.player, Qt.Key.Key_Escape)
    assert window.current == ("title", "ui-beta") and not window.controller.active
    assert not make_window().player.top.back_button.isHidden()


def test_kiosk_settings_and_sign_out_ask_for_the_pin(qtbot: Any, make_window: Any) -> None:
    """Settings and signing out are the operator's: the account menu's Settings and Sign out, Back into Settings and the
    sign-in screen's Settings link each ask for the PIN, and a wrong PIN, or none, keeps the screen and the sign-in; the
    PIN opens Settings (never saved as the screen a restart restores) and signs out."""
    from PySide6.QtWidgets import QApplication

    from ui.app import credentials

    window = make_window(kiosk=True)
    window.show()
    window.start()
    sign_in(qtbot, window)

    def remembered() -> bool:
        return credentials.recall(window.ctx.config.backend_url, window.ctx.config.email) is not None

    def pin_is(pin: str | None) -> list[str]:
        asked: list[str] = []
        window.kiosk_guard.ask_pin = lambda prompt="": asked.append(prompt) or pin
        return asked

    for pin in ("9999", None):
        asked = pin_is(pin)
        window.account.settings_action.trigger()
        assert window.current[0] == "home", pin
        window.account.sign_out_action.trigger()
        assert window.current[0] == "home" and remembered() and window.ctx.backend.refresh_token, pin
        assert asked == ["PIN to open Settings:", "PIN to sign out:"]
    pin_is(KIOSK_PIN)
    window.account.settings_action.trigger()
    assert window.current[0] == "settings" and window.ctx.config.last_screen == "home"
    window.nav_buttons["home"].click()
    for pin, screen in ((None, "home"), (KIOSK_PIN, "settings")):  # Back into Settings
        asked = pin_is(pin)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
        assert window.current[0] == screen and asked == ["PIN to open Settings:"], pin
    window.go_back()
    window.account.sign_out_action.trigger()
    assert window.current[0] == "signin" and not remembered()
    for pin, screen in (("9999", "signin"), (None, "signin"), (KIOSK_PIN, "settings")):
        asked = pin_is(pin)
        window.signin.settings_link.click()
        assert window.current[0] == screen and asked == ["PIN to open Settings:"], pin
    assert window.ctx.config.last_screen == "home"


def test_a_back_into_settings_answered_after_the_screens_moved_moves_nothing(qtbot: Any, make_window: Any) -> None:
    """While the PIN for Back into Settings is asked, the kiosk may sign in again (its pings go on in the dialog's event
    loop), which clears the history and shows home: the PIN answered then moves nothing (it raised IndexError)."""
    window = make_window(kiosk=True)
    window.show()
    window.start()
    sign_in(qtbot, window)
    window.kiosk_guard.ask_pin = lambda prompt="": KIOSK_PIN
    window.account.settings_action.trigger()
    window.nav_buttons["home"].click()
    assert window.history[-1][0] == "settings"

    def signed_in_again_meanwhile(prompt: str = "") -> str:
        window._signed_in()
        return KIOSK_PIN

    window.kiosk_guard.ask_pin = signed_in_again_meanwhile
    window.go_back()
    assert window.current == ("home", None) and window.history == []


def test_kiosk_reads_at_the_tv_size(qtbot: Any, make_window: Any) -> None:
    """Plain --kiosk (no --tv) uses the 10-foot type, as a TV does: a kiosk is read standing, from a few metres;
    the desktop keeps its own size."""

    def font_px(window: Any) -> tuple[int, int]:
        for widget in (window.signin.button, window.player.play_button):
            widget.ensurePolished()
        return window.signin.button.fontInfo().pixelSize(), window.player.play_button.fontInfo().pixelSize()

    desktop, tv, kiosk = make_window(), make_window(tv=True), make_window(kiosk=True)
    assert font_px(kiosk) == font_px(tv) and font_px(kiosk)[0] > font_px(desktop)[0]


def test_restarted_kiosk_without_backend_plays_the_download_of_the_title_it_streamed(
    qtbot: Any, make_window: Any, ui_backend: Any
) -> None:
    """A kiosk stopped while it streamed a title that is also downloaded on the box, started again with no backend to
    reach, plays the download instead of showing an error; the saved screen stays the stream (a restart with the
    backend up streams it again), and the download's end leaves the box on the player, the download standing in again."""
    first = _kiosk_on_title(qtbot, make_window)
    first.downloads.start("ui-beta")
    qtbot.waitUntil(lambda: any(i.state == "complete" for i in first.downloads.last), timeout=30000)
    with qtbot.waitSignal(first.controller.started, timeout=10000):
        first.title_page.play.emit("ui-beta", 0.0)
    _play_until(qtbot, first, 1.0)
    assert first.ctx.config.last_screen == "player:ui-beta"
    second = _restarted_offline(qtbot, make_window, first, ui_backend, "ui-beta")
    assert second.player.playing() == ("download", "ui-beta") and second.player.message.isHidden()
    assert second.ctx.config.last_screen == "player:ui-beta"
    standing_in = second.controller.session
    with qtbot.waitSignal(second.controller.finished, timeout=30000):
        pass  # played to its end, the download stands in again (test_kiosk_goes_back_to_the_stream_when_its_stand_in_ends)
    qtbot.waitUntil(lambda: second.player.playing() == ("download", "ui-beta")
                    and second.controller.session not in (None, standing_in), timeout=20000)
    assert second.current == ("player", "ui-beta") and second.ctx.config.last_screen == "player:ui-beta"


def _standing_in(qtbot: Any, make_window: Any, ui_backend: Any) -> Any:
    """A kiosk window whose stream of ui-beta failed with the backend away (its retry a minute off), its download of
    the title playing in the stream's stead."""
    from ui.app.kiosk import PlayRetry

    window = _kiosk_on_title(qtbot, make_window)
    window.kiosk_guard.retry = PlayRetry((60.0,))
    window.downloads.start("ui-beta")
    qtbot.waitUntil(lambda: any(i.state == "complete" for i in window.downloads.last), timeout=30000)
    ui_backend.stop()
    with qtbot.waitSignal(window.controller.failed, timeout=30000):
        window.title_page.play.emit("ui-beta", 0.0)
    qtbot.waitUntil(lambda: window.player.playing() == ("download", "ui-beta") and window.controller.active, timeout=20000)
    return window


def test_kiosk_plays_the_download_of_a_stream_that_failed_with_the_backend_away(
    qtbot: Any, make_window: Any, ui_backend: Any
) -> None:
    """A stream that fails because the backend is away, on a box that has the title downloaded, plays the download at
    once instead of counting down to a retry that cannot work; the saved screen is the stream, so a restart with the
    backend streams it again. (Without a download the countdown stays:
    ``test_kiosk_keeps_a_failed_play_and_retries_it_when_the_backend_comes_back``.)"""
    window = _standing_in(qtbot, make_window, ui_backend)
    assert window.current == ("player", "ui-beta") and window.player.message.isHidden()
    assert not window.kiosk_guard.retry_timer.isActive()
    assert window.ctx.config.last_screen == "player:ui-beta"


def test_restarted_kiosk_without_backend_or_download_streams_when_the_backend_returns(
    qtbot: Any, make_window: Any, ui_backend: Any
) -> None:
    """A kiosk stopped while it streamed a title it has no download of, started again with no backend to reach, waits
    on home (nothing to play); when the backend answers again it streams that title."""
    first = _kiosk_on_title(qtbot, make_window)
    with qtbot.waitSignal(first.controller.started, timeout=10000):
        first.title_page.play.emit("ui-beta", 0.0)
    _play_until(qtbot, first, 1.0)
    ui_backend.stop()
    second = _restarted(make_window, first)
    guard = second.kiosk_guard
    guard.check()
    qtbot.waitUntil(lambda: guard.offline and second.current[0] == "home", timeout=15000)
    qtbot.wait(1000)
    assert not second.controller.active
    again = _backend_again(ui_backend)
    try:
        with qtbot.waitSignal(second.controller.started, timeout=20000):
            guard.check()
        assert second.current == ("player", "ui-beta") and second.player.playing() == ("title", "ui-beta")
    finally:
        again.stop()


def test_kiosk_goes_back_to_the_stream_when_its_stand_in_ends(qtbot: Any, make_window: Any, ui_backend: Any) -> None:
    """The end of a download standing in for a stream keeps the box on the player, back on the stream: with the backend
    still away the download stands in again (from its start: it was played to its end); once the backend answers, the
    title streams again at the stand-in's end (from its start), rather than the box sitting on a title page or home."""
    window = _standing_in(qtbot, make_window, ui_backend)
    guard = window.kiosk_guard

    def stands_in_again(session: Any) -> bool:
        return (window.player.playing() == ("download", "ui-beta") and window.controller.session not in (None, session)
                and "position_s" in window.controller.last_stats)

    first, history = window.controller.session, list(window.history)
    with qtbot.waitSignal(window.controller.finished, timeout=30000):
        pass  # the 6 s title, played to its end
    qtbot.waitUntil(lambda: stands_in_again(first), timeout=20000)
    second = window.controller.session
    assert window.current == ("player", "ui-beta") and second.playhead.start_s < 1.0
    assert window.ctx.config.last_screen == "player:ui-beta"
    again = _backend_again(ui_backend)
    try:
        guard.check()
        qtbot.waitUntil(lambda: not guard.offline, timeout=15000)
        assert window.controller.session is second  # a running play goes on
        with qtbot.waitSignal(window.controller.finished, timeout=30000):
            pass
        qtbot.waitUntil(lambda: window.player.playing() == ("title", "ui-beta")
                        and (window.controller.last_stats.get("position_s") or 0.0) > 0.5, timeout=20000)
        assert window.current == ("player", "ui-beta") and window.controller.session.playhead.start_s < 1.0
        assert window.history == history  # plays after plays on the player, for months: where Back goes does not grow
        assert window.player.title is not None and window.player.title.audio_langs  # the catalog's title, not the download's
    finally:
        again.stop()

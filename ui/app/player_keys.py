"""The player's keys (mpv's, plus the app's): one function so the screen stays about layout and state.

Space/Enter/P and the media keys play or pause (after a failure: try again), ←/→ seek 10 s (previewing the
landing point's thumbnail), ↑/↓ volume, m mute, f fullscreen, i/Tab stats, ? key help, c next quality,
s subtitles on/off, a next audio language, Esc/Back leave.
A live play adds l, Go live; on TV (a remote has no letters) ↑ selects the Go-live control and OK
presses it, any other key lets go of it.
While "Up next" shows, Enter plays the next title now and Back cancels it; while the key help
shows, Back or ? closes it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from ui.app.live_view import LiveView

if TYPE_CHECKING:
    from ui.app.player_screen import PlayerScreen

SEEK_STEP_S = 10.0
VOLUME_STEP = 5
PLAY_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_P, Qt.Key.Key_Return, Qt.Key.Key_Enter,
             Qt.Key.Key_MediaTogglePlayPause, Qt.Key.Key_MediaPlay, Qt.Key.Key_MediaPause)
BACK_KEYS = (Qt.Key.Key_Escape, Qt.Key.Key_Backspace, Qt.Key.Key_Back, Qt.Key.Key_MediaStop, Qt.Key.Key_Q)
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select)


def handle_key(screen: PlayerScreen, key: int) -> bool:
    """Act on ``key``; False when the player has no use for it."""
    c = screen.controller
    live = LiveView.from_stats(c.last_stats) is not None
    if screen.overlay.go_live.property("selected"):
        screen.overlay.select_go_live(False)
        if key in ENTER_KEYS:
            c.go_live()
            return True
        if key in BACK_KEYS + (Qt.Key.Key_Down,):
            return True  # only lets go of Go live
    if live and key == Qt.Key.Key_L:
        c.go_live()
    elif live and screen.ctx.tv and key == Qt.Key.Key_Up:
        screen.overlay.select_go_live(True)
    elif screen.up_next.isVisible() and key in BACK_KEYS:
        screen.up_next.stop()
    elif screen.up_next.isVisible() and key in ENTER_KEYS:
        screen.up_next.play_now.click()
    elif screen.help_panel.isVisible() and key in BACK_KEYS + (Qt.Key.Key_Question,):
        screen.help_panel.hide()
    elif key in PLAY_KEYS and not c.active:
        screen.retry()  # the play failed: its message's "Try again"
    elif key in PLAY_KEYS:
        c.set_paused(False) if key == Qt.Key.Key_MediaPlay else c.set_paused(True) if key == Qt.Key.Key_MediaPause else c.toggle_pause()
        screen.play_button.setText("Play" if c.paused else "Pause")
    elif key == Qt.Key.Key_F:
        screen.toggle_fullscreen.emit()
    elif key == Qt.Key.Key_M:
        screen.set_muted(not c.muted)
    elif key in (Qt.Key.Key_Left, Qt.Key.Key_MediaPrevious, Qt.Key.Key_Right, Qt.Key.Key_MediaNext):
        step = -SEEK_STEP_S if key in (Qt.Key.Key_Left, Qt.Key.Key_MediaPrevious) else SEEK_STEP_S
        if c.last_stats.get("position_s") is not None:
            screen.seek_bar.preview_at(c.last_stats["position_s"] + step)  # where the seek lands, as a thumbnail
        c.seek_relative(step)
    elif key in (Qt.Key.Key_Up, Qt.Key.Key_VolumeUp, Qt.Key.Key_Down, Qt.Key.Key_VolumeDown):
        screen.volume.setValue(c.volume + (VOLUME_STEP if key in (Qt.Key.Key_Up, Qt.Key.Key_VolumeUp) else -VOLUME_STEP))
    elif key in (Qt.Key.Key_I, Qt.Key.Key_Tab):
        screen.toggle_stats()
    elif key == Qt.Key.Key_Question:
        screen.toggle_help()
    elif key == Qt.Key.Key_C:
        screen.quality.setCurrentIndex((screen.quality.currentIndex() + 1) % max(1, screen.quality.count()))
        c.set_rendition(screen.quality.currentData())
    elif key == Qt.Key.Key_S and screen.subtitles.count() > 1:
        screen.choose_subtitles(None if screen.subtitles.currentData() else screen.subtitles.itemData(1))
    elif key == Qt.Key.Key_A and screen.audio.count() > 1:
        screen.choose_audio(screen.audio.itemData((screen.audio.currentIndex() + 1) % screen.audio.count()))
    elif key in BACK_KEYS:
        screen.back.emit()
    else:
        return False
    return True

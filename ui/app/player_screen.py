"""The player: video in the window (libmpv ``wid`` embedding into a native QWidget), chrome, panels.

PLATFORM.md "Qt": ``wid=`` embedding works under X11/Xvfb with ``vo=x11`` (or ``gpu`` with
``gpu-sw=yes``). Because the video is a native child window, the bars and panels are native windows
too, stacked above it. Keys follow mpv: space pause, f fullscreen, m mute, ←/→ seek 10 s, ↑/↓ volume,
i stats; plus c quality, s subtitles, a audio, ? key help, Esc/Backspace back.

Subtitles: the engine loads a text track only when a session starts with ``subtitle_language``
(a text track costs fast-start probing), so turning subtitles on restarts the session at the current
position with the chosen language, as an audio switch does (issue 18 defect 1: the toggle selected a
track that was never loaded). The chosen languages are remembered per user (``ui.app.preferences``).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QWidget

from ui.app import preferences
from ui.app.api import Title
from ui.app.context import AppContext
from ui.app.player_controller import PlayerController
from ui.app.player_keys import SEEK_STEP_S, handle_key
from ui.app.player_overlay import ControlBar, TopBar, native
from ui.app.player_panels import UpNext, key_help_text, stats_text
from ui.app.seek_thumbnails import SeekThumbnails

OVERLAY_HIDE_MS = 3000
NOTICE_MS = 6000


def _panel(parent: QWidget, name: str) -> QLabel:
    label = native(QLabel(parent))
    assert isinstance(label, QLabel)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.hide()
    return label


class VideoSurface(QWidget):
    """The native window libmpv draws into. Black while no play draws there: a plain native QWidget is never
    painted (and must not be over mpv's picture), so a failed play left whatever the screen showed before —
    the title page's buttons and poster around the failure's message (seen under Xvfb, kiosk retry)."""

    def __init__(self, parent: QWidget, drawing: Any) -> None:
        super().__init__(parent)
        self.drawing = drawing  # callable() -> bool: a session owns the picture
        native(self)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(True)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        if not self.drawing():
            QPainter(self).fillRect(event.rect(), Qt.GlobalColor.black)


class PlayerScreen(QWidget):
    """Plays one title; ``back`` when the user leaves, ``ended`` when the title finishes and nothing follows,
    ``next_title(title_id)`` to ask the window what comes after the current title."""

    name = "player"
    back = Signal()
    ended = Signal()
    toggle_fullscreen = Signal()
    handles_arrows = True

    def __init__(self, ctx: AppContext, controller: PlayerController) -> None:
        super().__init__()
        self.ctx = ctx
        self.controller = controller
        self.title: Title | None = None
        self.next_title: Any = None  # callable(title_id) -> Title | None, set by the window
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self.setStyleSheet("PlayerScreen { background: black; }")
        self.setMouseTracking(True)
        self.video = VideoSurface(self, lambda: controller.active)
        self.video.installEventFilter(self)

        self.top = TopBar(self)
        self.overlay = bar = ControlBar(self, ten_foot=ctx.ten_foot, volume=controller.volume)
        self.seek_bar, self.play_button, self.quality = bar.seek_bar, bar.play_button, bar.quality
        self.audio, self.subtitles, self.volume, self.mute_button = bar.audio, bar.subtitles, bar.volume, bar.mute_button
        self.stats_panel = _panel(self, "statsOverlay")
        self.help_panel = _panel(self, "keyHelp")
        self.help_panel.setText(key_help_text())
        self.message = _panel(self, "playerMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)  # read from across the room, mid-screen
        self.notice = _panel(self, "playerNotice")
        self.up_next = UpNext(self)

        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(OVERLAY_HIDE_MS)
        self._hide_timer.timeout.connect(self._auto_hide)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.hide)

        self.top.back_button.clicked.connect(self.back)
        bar.play_button.clicked.connect(self._toggle_pause)
        bar.back10.clicked.connect(lambda: controller.seek_relative(-SEEK_STEP_S))
        bar.fwd10.clicked.connect(lambda: controller.seek_relative(SEEK_STEP_S))
        bar.go_live.clicked.connect(controller.go_live)
        bar.seek_bar.seek_requested.connect(controller.seek)
        self.seek_thumbnails = SeekThumbnails(controller.engine, lambda: controller.session)
        bar.seek_bar.hovered.connect(lambda t: self.seek_thumbnails.request(t, bar.seek_bar.show_thumbnail))
        bar.quality.activated.connect(lambda i: controller.set_rendition(bar.quality.itemData(i)))
        bar.subtitles.activated.connect(lambda i: self.choose_subtitles(bar.subtitles.itemData(i)))
        bar.audio.activated.connect(lambda i: self.choose_audio(bar.audio.itemData(i)))
        bar.volume.valueChanged.connect(controller.set_volume)
        bar.mute_button.clicked.connect(lambda: self.set_muted(not controller.muted))
        bar.full_button.clicked.connect(self.toggle_fullscreen)
        bar.stats_button.clicked.connect(self.toggle_stats)
        bar.help_button.clicked.connect(self.toggle_help)
        controller.stats_changed.connect(self._on_stats)
        controller.failed.connect(self.show_message)
        controller.noticed.connect(self.show_notice)
        controller.finished.connect(self._on_finished)
        self.up_next.play_next.connect(self._play_next)
        self.up_next.cancelled.connect(self.ended)
        self._start: dict[str, Any] = {}  # the title play's arguments, for restarts
        self._offline: tuple[Any, Title | None] | None = None  # the download play's, for a retry
        self._following: Title | None = None

    # -- starting ---------------------------------------------------------------------------
    def focus_first(self) -> None:
        self.setFocus()

    def wid(self) -> int | None:
        """The native window mpv draws into, or None when there is no window system (``vo=null``)."""
        if self.ctx.vo == "null":
            return None
        return int(self.video.winId())

    def play(self, title_id: str, start_s: float | None, title: Title | None = None, *,
             audio_language: str | None = None, subtitle_language: str | None = None) -> None:
        """Play ``title_id``; languages not given come from what this user chose last time."""
        saved_audio, saved_subs = preferences.languages(self.ctx.config, self.ctx.config.email)
        offered_audio = title.audio_langs if title else ()
        offered_subs = title.subtitle_langs if title else ()
        audio = audio_language or (saved_audio if saved_audio in offered_audio else None)
        subs = subtitle_language if subtitle_language is not None else (saved_subs if saved_subs in offered_subs else None)
        self._reset(title)
        self.overlay.fill_languages(offered_audio, offered_subs, audio, subs)
        backend = self.ctx.backend
        assert backend is not None
        self._start = {"title_id": title_id, "title": title, "audio": audio, "subs": subs or None}
        self._offline = None
        self.controller.play_title(
            backend=backend, title_id=title_id, wid=self.wid(), config=self.ctx.config, start_s=start_s,
            audio_language=audio, subtitle_language=subs or None, vo=self.ctx.vo, ao=self.ctx.ao,
        )
        self.show_overlay()

    def play_offline(self, factory: Any, title: Title | None) -> None:
        """Play a download: ``factory(wid)`` builds the session."""
        self._reset(title)
        self.overlay.fill_languages((), (), None, None)
        self._start = {}
        self._offline = (factory, title)
        self.controller.play_session(lambda: factory(self.wid()))
        self.show_overlay()

    def _reset(self, title: Title | None) -> None:
        self.title = title
        self.top.set_title(title.name if title else "")
        self.message.hide()
        self.video.repaint()  # black until the new play's first frame, not the screen shown before
        self.up_next.timer.stop()
        self.up_next.hide()
        self.overlay.set_ladder(None)
        self.overlay.show_live(None)  # until the first stats say whether the play is live
        self.overlay.select_go_live(False)
        self.play_button.setText("Pause")

    def playing(self) -> tuple[str, str] | None:
        """What was played last, for a kiosk's restart: ``("title", id)`` streamed, ``("download", id)``."""
        if self._start:
            return "title", str(self._start["title_id"])
        if self._offline is not None and self._offline[1] is not None:
            return "download", self._offline[1].id
        return None

    def retry(self) -> None:
        """Play again what was played last: a title where it had got to (a live one at its edge), a download."""
        if self._start:
            self._restart()
        elif self._offline is not None:
            self.play_offline(*self._offline)

    def leave(self) -> None:
        self.up_next.timer.stop()
        self.up_next.hide()
        self.controller.stop()
        self.stats_panel.hide()
        self.help_panel.hide()

    def _restart(self, **changes: Any) -> None:
        """The engine muxes one audio language and loads text tracks at start: restart where we are; a live
        channel at its hold-back point, as before (where it was may have left the DVR window by then, and a
        live play reads a number as a position on its timeline)."""
        start = self._start | changes
        live = start["title"] is not None and start["title"].live
        position = None if live else self.controller.last_stats.get("position_s")
        self.play(start["title_id"], position, start["title"], audio_language=start["audio"],
                  subtitle_language=start["subs"] or "")

    def choose_audio(self, lang: str | None) -> None:
        if not self._start or lang in (None, "default") or lang == self._start.get("audio"):
            return
        self._remember(audio=lang)
        self._restart(audio=lang)

    def choose_subtitles(self, lang: str | None) -> None:
        """Subtitles in ``lang`` (None: off). A track the session has not loaded needs a restart."""
        self.subtitles.setCurrentIndex(max(0, self.subtitles.findData(lang)) if lang else 0)
        self._remember(subtitles=lang or "")
        if lang is None:
            self.controller.set_subtitles(False)
            if self._start:
                self._start["subs"] = None
        elif self.controller.subtitles_loaded(lang):
            self.controller.set_subtitles(True)
        elif self._start:
            self._restart(subs=lang)

    def _remember(self, **choice: str) -> None:
        email = self.ctx.config.email
        if email:
            self.ctx.update_config(languages=preferences.remember(self.ctx.config, email, **choice))

    # -- layout and overlay -----------------------------------------------------------------
    def _overlay_height(self) -> int:
        """The control bar's height at the screen's width (the 10-foot menus wrap when it is narrow)."""
        height = self.overlay.heightForWidth(self.width())
        return height if height > 0 else self.overlay.sizeHint().height()

    def event(self, event: QEvent) -> bool:
        """A control that changed size (a longer quality or audio menu) may wrap the bar onto one more row, or one
        less: the bar asks for a new layout here (no layout places it), and gets the height it now needs."""
        if event.type() == QEvent.Type.LayoutRequest and self._overlay_height() != self.overlay.height():
            self.resizeEvent(None)
        return super().event(event)

    def resizeEvent(self, event: Any) -> None:
        w, h = self.width(), self.height()
        self.video.setGeometry(0, 0, w, h)
        oh = self._overlay_height()
        self.overlay.setGeometry(0, h - oh, w, oh)
        self.top.setGeometry(0, 0, w, self.top.sizeHint().height())
        if self.title:
            self.top.set_title(self.title.name)
        top = self.top.height() + 8
        self.stats_panel.adjustSize()
        self.stats_panel.move(16, top)
        self.help_panel.adjustSize()
        free = h - oh - 8 - top  # between the top bar and the control bar
        self.help_panel.move(max(0, (w - self.help_panel.width()) // 2), top + max(0, (free - self.help_panel.height()) // 2))
        self.message.setGeometry(w // 8, h // 3, w * 3 // 4, max(120, h // 5))
        self.up_next.setFixedWidth(min(w // 2, 640) if w > 640 else w)
        self.up_next.adjustSize()
        self.up_next.move(w - self.up_next.width() - 24, h - oh - self.up_next.height() - 24)
        self._place_notice()
        super().resizeEvent(event)

    def _place_notice(self) -> None:
        self.notice.adjustSize()
        self.notice.move(self.width() - self.notice.width() - 24, self.top.height() + 8)

    def show_overlay(self) -> None:
        for w in (self.overlay, self.top):
            w.show()
            w.raise_()
        for panel in (self.stats_panel, self.help_panel, self.notice, self.up_next, self.message):
            if panel.isVisible():
                panel.raise_()
        self._hide_timer.start()
        self.setCursor(Qt.CursorShape.ArrowCursor)
        h = self.height()
        if h > 0:  # cues move above the bar instead of under it
            self.controller.lift_subtitles(int(100 * (h - self.overlay.height() - 12) / h))

    def _auto_hide(self) -> None:
        if self.controller.active and not self.controller.paused and not self.help_panel.isVisible():
            self.overlay.hide()
            self.overlay.select_go_live(False)
            self.top.hide()
            self.setCursor(Qt.CursorShape.BlankCursor)
            self.controller.lift_subtitles(100)

    def toggle_stats(self) -> None:
        self.stats_panel.setVisible(not self.stats_panel.isVisible())
        if self.stats_panel.isVisible():
            self.stats_panel.setText(stats_text(self.controller.last_stats))
            self.stats_panel.adjustSize()
            self.stats_panel.raise_()

    def toggle_help(self) -> None:
        self.help_panel.setVisible(not self.help_panel.isVisible())
        if self.help_panel.isVisible():
            self.stats_panel.hide()  # one panel over the picture at a time
            self.resizeEvent(None)
            self.help_panel.raise_()

    def show_notice(self, text: str) -> None:
        """A passing notice (no sound device, a fallback taken): the title keeps playing."""
        self.notice.setText(text)
        self._place_notice()
        self.notice.show()
        self.notice.raise_()
        self._notice_timer.start()

    def set_muted(self, muted: bool) -> None:
        self.controller.set_mute(muted)
        self.mute_button.setText("Unmute" if muted else "Mute")

    def _toggle_pause(self) -> None:
        """Pause or play on; after a failure (no session) the button reads "Try again": play the title again."""
        if not self.controller.active:
            self.retry()
            return
        self.controller.toggle_pause()
        self.play_button.setText("Play" if self.controller.paused else "Pause")

    # -- engine → UI ------------------------------------------------------------------------
    def _on_stats(self, stats: dict[str, Any]) -> None:
        self.overlay.show_position(stats)
        self.play_button.setText("Play" if stats.get("paused") else "Pause")
        self.overlay.set_ladder(stats.get("ladder") or ())
        if self.stats_panel.isVisible():
            self.stats_panel.setText(stats_text(stats))
            self.stats_panel.adjustSize()

    def show_message(self, text: str) -> None:
        """Why the play stopped (it stays until the next play starts). The play button offers to try again: a
        "Pause" beside the failure would say the title plays."""
        self.play_button.setText("Try again")
        self.message.setText(text)
        self.message.show()
        self.message.raise_()
        self.video.update()  # the play has gone: black around the message
        self.show_overlay()

    def _on_finished(self, report: dict[str, Any]) -> None:
        """The end: offer the next title with a countdown, or leave."""
        following = self.next_title(self.title.id) if self.next_title and self.title and self._start else None
        if following is None:
            self.ended.emit()
            return
        self.show_overlay()
        self.resizeEvent(None)
        self.up_next.start(following.id, following.name)
        self.resizeEvent(None)
        self._following = following

    def _play_next(self, title_id: str) -> None:
        following = self._following
        self.play(title_id, 0.0, following if following and following.id == title_id else None)
        self.setFocus()

    # -- input --------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonPress):
            self.show_overlay()
        return False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.show_overlay()
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.show_overlay()
        if not handle_key(self, event.key()):
            super().keyPressEvent(event)

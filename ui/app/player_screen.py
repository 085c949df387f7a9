"""The player: video in the window (libmpv ``wid`` embedding into a native QWidget), overlay, stats.

PLATFORM.md "Qt": ``wid=`` embedding works under X11/Xvfb with ``vo=x11`` (or ``gpu`` with
``gpu-sw=yes``). Because the video is a native child window, the overlay and the stats panel are
native windows too, stacked above it (a non-native widget would be painted *under* mpv's window).
Keys follow mpv: space pause, f fullscreen, m mute, ←/→ seek 5 s, ↑/↓ volume, i stats; plus
c quality, s subtitles, Esc/Backspace back.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from ui.app.api import Title
from ui.app.context import AppContext
from ui.app.format import clock_text
from ui.app.player_controller import PlayerController
from ui.app.seek_bar import SeekBar

SEEK_STEP_S = 5.0
VOLUME_STEP = 5
OVERLAY_HIDE_MS = 3000


def _native(widget: QWidget) -> QWidget:
    widget.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
    widget.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
    return widget


def stats_text(stats: dict[str, Any]) -> str:
    """The stats overlay ("stats for nerds"): rendition, bitrate, buffer, estimate, CDN, dropped frames."""
    size = f"{stats.get('width')}x{stats.get('height')}" if stats.get("width") else "—"
    bitrate = stats.get("bitrate_kbps")
    throughput = stats.get("throughput_kbps")
    forced = stats.get("forced_rung")
    lines = [
        f"Rendition   {stats.get('rendition') or '—'}  ({size})",
        f"Bitrate     {bitrate:.0f} kbit/s" if bitrate else "Bitrate     —",
        f"Buffer      {stats.get('buffer_s') or 0.0:.1f} s",
        f"Throughput  {throughput:.0f} kbit/s" if throughput else "Throughput  —",
        f"CDN         {stats.get('cdn') if stats.get('cdn') is not None else '—'}",
        f"Dropped     {stats.get('dropped_frames') or 0} frames",
        f"Quality     {'Auto' if forced is None else f'fixed rung {forced}'}",
        f"Position    {clock_text(stats.get('position_s'))} / {clock_text(stats.get('duration_s'))}",
    ]
    return "\n".join(lines)


class PlayerScreen(QWidget):
    """Plays one title; ``back`` when the user leaves, ``ended`` when the title finishes."""

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
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        self.setStyleSheet("PlayerScreen { background: black; }")
        self.setMouseTracking(True)
        self.video = _native(QWidget(self))
        self.video.setStyleSheet("background: black;")
        self.video.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.video.setMouseTracking(True)
        self.video.installEventFilter(self)

        self.overlay = _native(QFrame(self))
        self.overlay.setObjectName("playerOverlay")
        self.play_button = QPushButton("Pause")
        self.seek_bar = SeekBar()
        self.time_label = QLabel("00:00 / 00:00")
        self.quality = QComboBox()
        self.quality.addItem("Auto", None)
        self.audio = QComboBox()
        self.subtitles = QComboBox()
        self.subtitles.addItem("Subtitles off", False)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(controller.volume)
        self.volume.setFixedWidth(100)
        self.mute_button = QPushButton("Mute")
        self.full_button = QPushButton("Fullscreen")
        self.stats_button = QPushButton("Stats")
        row = QHBoxLayout()
        for w in (self.play_button, self.time_label, self.quality, self.audio, self.subtitles,
                  self.mute_button, self.volume, self.stats_button, self.full_button):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the player (mpv-like), not the widgets
            row.addWidget(w)
        box = QVBoxLayout(self.overlay)
        box.addWidget(self.seek_bar)
        box.addLayout(row)

        self.stats_panel = _native(QLabel(self))
        self.stats_panel.setObjectName("statsOverlay")
        self.stats_panel.setTextFormat(Qt.TextFormat.PlainText)
        self.stats_panel.hide()
        self.message = _native(QLabel(self))
        self.message.setObjectName("playerMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(OVERLAY_HIDE_MS)
        self._hide_timer.timeout.connect(self._auto_hide)

        self.play_button.clicked.connect(self.controller.toggle_pause)
        self.seek_bar.seek_requested.connect(self.controller.seek)
        self.quality.activated.connect(lambda i: self.controller.set_rendition(self.quality.itemData(i)))
        self.subtitles.activated.connect(lambda i: self.controller.set_subtitles(bool(self.subtitles.itemData(i))))
        self.audio.activated.connect(lambda i: self._switch_audio(self.audio.itemData(i)))
        self.volume.valueChanged.connect(self.controller.set_volume)
        self.mute_button.clicked.connect(lambda: self._mute(not self.controller.muted))
        self.full_button.clicked.connect(self.toggle_fullscreen)
        self.stats_button.clicked.connect(self.toggle_stats)
        controller.stats_changed.connect(self._on_stats)
        controller.failed.connect(self._on_failed)
        controller.finished.connect(lambda _: self.ended.emit())
        self._ladder_key: tuple[Any, ...] = ()
        self._start_args: dict[str, Any] = {}

    # -- starting ---------------------------------------------------------------------------
    def focus_first(self) -> None:
        self.setFocus()

    def wid(self) -> int | None:
        """The native window mpv draws into, or None when there is no window system (``vo=null``)."""
        if self.ctx.vo == "null":
            return None
        return int(self.video.winId())

    def play(self, title_id: str, start_s: float | None, title: Title | None = None, *, audio_language: str | None = None) -> None:
        self.title = title
        self.message.hide()
        self._ladder_key = ()
        self.quality.clear()
        self.quality.addItem("Auto", None)
        self.audio.clear()
        for lang in (title.audio_langs if title else ()) or ("default",):
            self.audio.addItem(f"Audio: {lang}", lang)
        if audio_language:
            self.audio.setCurrentIndex(max(0, self.audio.findData(audio_language)))
        self.subtitles.clear()
        self.subtitles.addItem("Subtitles off", False)
        for lang in title.subtitle_langs if title else ():
            self.subtitles.addItem(f"Subtitles: {lang}", True)
        self.play_button.setText("Pause")
        backend = self.ctx.backend
        assert backend is not None
        self._start_args = {"title_id": title_id, "title": title}
        self.controller.play_title(
            backend=backend, title_id=title_id, wid=self.wid(), config=self.ctx.config,
            start_s=start_s, audio_language=audio_language, vo=self.ctx.vo, ao=self.ctx.ao,
        )
        self.show_overlay()

    def play_offline(self, factory: Any, title: Title | None) -> None:
        """Play a download: ``factory(wid)`` builds the session."""
        self.title = title
        self.message.hide()
        self.controller.play_session(lambda: factory(self.wid()))
        self.show_overlay()

    def leave(self) -> None:
        self.controller.stop()
        self.stats_panel.hide()

    def _switch_audio(self, lang: str | None) -> None:
        """The engine muxes one audio language: switching restarts at the current position."""
        if not self._start_args or lang in (None, "default"):
            return
        position = self.controller.last_stats.get("position_s")
        self.play(self._start_args["title_id"], position, self._start_args["title"], audio_language=lang)

    # -- layout and overlay -----------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:
        w, h = self.width(), self.height()
        self.video.setGeometry(0, 0, w, h)
        oh = self.overlay.sizeHint().height()
        self.overlay.setGeometry(0, h - oh, w, oh)
        self.stats_panel.adjustSize()
        self.stats_panel.move(16, 16)
        self.message.setGeometry(w // 8, h // 3, w * 3 // 4, 120)
        super().resizeEvent(event)

    def show_overlay(self) -> None:
        self.overlay.show()
        self.overlay.raise_()
        if self.stats_panel.isVisible():
            self.stats_panel.raise_()
        self._hide_timer.start()
        self.setCursor(Qt.CursorShape.ArrowCursor)

    def _auto_hide(self) -> None:
        if self.controller.active and not self.controller.paused:
            self.overlay.hide()
            self.setCursor(Qt.CursorShape.BlankCursor)

    def toggle_stats(self) -> None:
        self.stats_panel.setVisible(not self.stats_panel.isVisible())
        if self.stats_panel.isVisible():
            self.stats_panel.setText(stats_text(self.controller.last_stats))
            self.stats_panel.adjustSize()
            self.stats_panel.raise_()

    def _mute(self, muted: bool) -> None:
        self.controller.set_mute(muted)
        self.mute_button.setText("Unmute" if muted else "Mute")

    # -- engine → UI ------------------------------------------------------------------------
    def _on_stats(self, stats: dict[str, Any]) -> None:
        self.seek_bar.set_state(stats.get("position_s"), stats.get("buffered_until_s"), stats.get("duration_s"))
        self.time_label.setText(f"{clock_text(stats.get('position_s'))} / {clock_text(stats.get('duration_s'))}")
        self.play_button.setText("Play" if stats.get("paused") else "Pause")
        ladder = tuple((r["rung"], r["height"]) for r in stats.get("ladder") or ())
        if ladder and ladder != self._ladder_key:
            self._ladder_key = ladder
            current = self.quality.currentData()
            self.quality.clear()
            self.quality.addItem("Auto", None)
            for rung in stats.get("ladder") or ():
                self.quality.addItem(f"{rung['height']}p · {rung['bitrate_kbps']:.0f} kbit/s", rung["rung"])
            self.quality.setCurrentIndex(max(0, self.quality.findData(current)))
        if self.stats_panel.isVisible():
            self.stats_panel.setText(stats_text(stats))
            self.stats_panel.adjustSize()

    def _on_failed(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.message.raise_()
        self.overlay.show()

    # -- input --------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseMove, QEvent.Type.MouseButtonPress):
            self.show_overlay()
        return False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.show_overlay()
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        c = self.controller
        self.show_overlay()
        if key in (Qt.Key.Key_Space, Qt.Key.Key_P, Qt.Key.Key_Return, Qt.Key.Key_Enter,
                   Qt.Key.Key_MediaTogglePlayPause, Qt.Key.Key_MediaPlay, Qt.Key.Key_MediaPause):
            if key == Qt.Key.Key_MediaPlay:
                c.set_paused(False)
            elif key == Qt.Key.Key_MediaPause:
                c.set_paused(True)
            else:
                c.toggle_pause()
            self.play_button.setText("Play" if c.paused else "Pause")
        elif key == Qt.Key.Key_F:
            self.toggle_fullscreen.emit()
        elif key == Qt.Key.Key_M:
            self._mute(not c.muted)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_MediaPrevious):
            c.seek_relative(-SEEK_STEP_S)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_MediaNext):
            c.seek_relative(SEEK_STEP_S)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_VolumeUp):
            self.volume.setValue(c.volume + VOLUME_STEP)
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_VolumeDown):
            self.volume.setValue(c.volume - VOLUME_STEP)
        elif key in (Qt.Key.Key_I, Qt.Key.Key_Tab):
            self.toggle_stats()
        elif key == Qt.Key.Key_C:
            self.quality.setCurrentIndex((self.quality.currentIndex() + 1) % max(1, self.quality.count()))
            c.set_rendition(self.quality.currentData())
        elif key == Qt.Key.Key_S and self.subtitles.count() > 1:
            self.subtitles.setCurrentIndex(0 if self.subtitles.currentIndex() else 1)
            c.set_subtitles(bool(self.subtitles.currentData()))
        elif key in (Qt.Key.Key_Escape, Qt.Key.Key_Backspace, Qt.Key.Key_Back, Qt.Key.Key_MediaStop, Qt.Key.Key_Q):
            self.back.emit()
        else:
            super().keyPressEvent(event)

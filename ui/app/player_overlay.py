"""The player's chrome: a top bar (back, title) and a control bar (seek bar with times, ±10 s,
play/pause, audio/subtitle/quality menus, mute and volume, stats, key help, fullscreen).

Both are native windows because the video is a native child window (a non-native widget would be
painted under mpv's window). In 10-foot mode (TV, kiosk) the menus go on a second row: at 26 px type one row does
not fit 1280×720 (issue 18 defect 5: ``00:04 / 01``, ``Audio: e``, ``llscree``); in a narrower window that row
wraps (:class:`~ui.app.flow_layout.FlowLayout`: at 994 px "Audio default" was cut), so the bar's height follows its
width (``heightForWidth``). Every control refuses focus: keys belong to the player (mpv-like), not to the widgets.

A live play (issue 15) swaps the length for a Go-live control at the seek bar's live end: red
"● LIVE" while following live, "Go live" while timeshifted; the time reads "−0:42" behind live and
the transport row shows the measured latency.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from ui.app.flow_layout import FlowLayout
from ui.app.format import clock_text
from ui.app.live_view import LiveView, behind_text
from ui.app.seek_bar import SeekBar


def native(widget: QWidget) -> QWidget:
    """Make ``widget`` its own native window so it stacks above mpv's."""
    widget.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
    widget.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
    return widget


def _quiet(*widgets: QWidget) -> None:
    for w in widgets:
        w.setFocusPolicy(Qt.FocusPolicy.NoFocus)


def _restyle(widget: QWidget) -> None:
    """Apply the style sheet again after a dynamic property its rules select on changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def _menu() -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class TopBar(QFrame):
    """Back (hidden in kiosk mode: ``MainWindow.leave_player``) and the title's name, at the top of the picture."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        native(self)
        self.setObjectName("playerTopBar")
        self.back_button = QPushButton("← Back")
        self.title_label = QLabel("")
        self.title_label.setObjectName("playerTitle")
        _quiet(self.back_button)
        row = QHBoxLayout(self)
        row.addWidget(self.back_button)
        row.addWidget(self.title_label, 1)

    def set_title(self, text: str) -> None:
        back = 0 if self.back_button.isHidden() else self.back_button.width()  # a kiosk has none
        self.title_label.setText(self.title_label.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideRight, max(80, self.width() - back - 60)))
        self.title_label.setToolTip(text)


class ControlBar(QFrame):
    """The bottom bar; ``PlayerScreen`` connects its controls."""

    def __init__(self, parent: QWidget, *, ten_foot: bool, volume: int) -> None:
        super().__init__(parent)
        native(self)
        self.setObjectName("playerOverlay")
        self.seek_bar = SeekBar()
        self.position_label = QLabel("00:00")
        self.duration_label = QLabel("00:00")
        self.go_live = QPushButton("Go live")
        self.go_live.setObjectName("goLive")
        self.go_live.setToolTip("Back to the live edge (L)")
        self.latency_label = QLabel("")
        self.latency_label.setObjectName("latency")
        self.back10 = QPushButton("−10 s")
        self.play_button = QPushButton("Pause")
        self.fwd10 = QPushButton("+10 s")
        self.quality = _menu()
        self.quality.addItem("Auto", None)
        self._ladder_key: tuple[tuple[int, int], ...] = ()
        self.audio = _menu()
        self.subtitles = _menu()
        self.subtitles.addItem("Subtitles off", None)
        self.mute_button = QPushButton("Mute")
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(volume)
        self.volume.setFixedWidth(160 if ten_foot else 100)
        self.stats_button = QPushButton("Stats")
        self.help_button = QPushButton("?")
        self.full_button = QPushButton("Fullscreen")
        _quiet(self.go_live, self.back10, self.play_button, self.fwd10, self.quality, self.audio, self.subtitles,
               self.mute_button, self.volume, self.stats_button, self.help_button, self.full_button)
        seek = QHBoxLayout()
        seek.addWidget(self.position_label)
        seek.addWidget(self.seek_bar, 1)
        seek.addWidget(self.duration_label)
        seek.addWidget(self.go_live)
        transport = QHBoxLayout()
        for w in (self.back10, self.play_button, self.fwd10, self.latency_label):
            transport.addWidget(w)
        transport.addStretch(1)
        box = QVBoxLayout(self)
        box.addLayout(seek)
        box.addLayout(transport)
        if ten_foot:
            menus = FlowLayout()  # one row where it fits (1280 px here); narrower, a second one rather than menus cut short
            for w in (self.audio, self.subtitles, self.quality):
                menus.addWidget(w)
            menus.add_group(self.mute_button, self.volume)
            menus.addWidget(self.stats_button)
            menus.addWidget(self.help_button)
            box.addLayout(menus)
            self.full_button.hide()  # a TV box or a kiosk is always full screen
        else:
            for w in (self.audio, self.subtitles, self.quality, self.mute_button, self.volume, self.stats_button,
                      self.help_button, self.full_button):
                transport.addWidget(w)
        self.show_live(None)

    def show_position(self, stats: dict[str, Any]) -> None:
        """The seek bar and its times from one stats poll (a live play: its DVR window)."""
        view = LiveView.from_stats(stats)
        self.show_live(view)
        if view is None:
            self.seek_bar.set_state(stats.get("position_s"), stats.get("buffered_until_s"), stats.get("duration_s"))
            self.position_label.setText(clock_text(stats.get("position_s")))
            self.duration_label.setText(clock_text(stats.get("duration_s")))
            return
        self.seek_bar.set_window(view.start_s, view.edge_s, view.position_s, stats.get("buffered_until_s"))
        self.position_label.setText(behind_text(view.behind_s))
        self.latency_label.setText(view.latency_text())

    def show_live(self, view: LiveView | None) -> None:
        """Live controls for a live play (lit at the edge), the length for anything else."""
        live = view is not None
        self.duration_label.setVisible(not live)
        self.go_live.setVisible(live)
        self.latency_label.setVisible(live)
        lit = view is not None and view.at_live
        if self.go_live.property("lit") != lit:
            self.go_live.setText("● LIVE" if lit else "Go live")
            self.go_live.setProperty("lit", lit)
            _restyle(self.go_live)

    def select_go_live(self, selected: bool) -> None:
        """The remote's highlight on Go live (TV: ↑ selects it, OK presses it); keys stay with the player."""
        self.go_live.setProperty("selected", selected)
        _restyle(self.go_live)

    def fill_languages(self, audio_langs: tuple[str, ...], sub_langs: tuple[str, ...], audio: str | None,
                       subs: str | None) -> None:
        """The audio and subtitle menus for a title, with the chosen languages selected."""
        self.audio.clear()
        for lang in audio_langs or ("default",):
            self.audio.addItem(f"Audio {lang}", lang)
        self.audio.setCurrentIndex(max(0, self.audio.findData(audio)) if audio else 0)
        self.subtitles.clear()
        self.subtitles.addItem("Subtitles off", None)
        for lang in sub_langs:
            self.subtitles.addItem(f"Subtitles {lang}", lang)
        self.subtitles.setCurrentIndex(max(0, self.subtitles.findData(subs)) if subs else 0)

    def set_ladder(self, ladder: Sequence[dict[str, Any]] | None) -> None:
        """The quality menu: Auto and one item per rung (``None``: a new title, Auto only); the choice is kept."""
        key = tuple((r["rung"], r["height"]) for r in ladder or ())
        if ladder is not None and (not key or key == self._ladder_key):
            return
        self._ladder_key = key
        current = self.quality.currentData() if ladder is not None else None
        self.quality.clear()
        self.quality.addItem("Auto", None)
        for rung in ladder or ():
            self.quality.addItem(f"{rung['height']}p · {rung['bitrate_kbps']:.0f} kbit/s", rung["rung"])
        self.quality.setCurrentIndex(max(0, self.quality.findData(current)))

    def controls(self) -> list[QWidget]:
        """Every control a person reads (for fit checks)."""
        return [self.position_label, self.duration_label, self.go_live, self.latency_label, self.back10, self.play_button,
                self.fwd10, self.audio, self.subtitles, self.quality, self.mute_button, self.stats_button, self.help_button, self.full_button]

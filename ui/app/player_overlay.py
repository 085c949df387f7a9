"""The player's chrome: a top bar (back, title) and a control bar (seek bar with times, ±10 s,
play/pause, audio/subtitle/quality menus, mute and volume, stats, key help, fullscreen).

Both are native windows because the video is a native child window (a non-native widget would be
painted under mpv's window). In TV mode the menus go on a second row: at 26 px type one row does
not fit 1280×720 (issue 18 defect 5: ``00:04 / 01``, ``Audio: e``, ``llscree``). Every control
refuses focus: keys belong to the player (mpv-like), not to the widgets.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from ui.app.seek_bar import SeekBar


def native(widget: QWidget) -> QWidget:
    """Make ``widget`` its own native window so it stacks above mpv's."""
    widget.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
    widget.setAttribute(Qt.WidgetAttribute.WA_DontCreateNativeAncestors)
    return widget


def _quiet(*widgets: QWidget) -> None:
    for w in widgets:
        w.setFocusPolicy(Qt.FocusPolicy.NoFocus)


def _menu() -> QComboBox:
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class TopBar(QFrame):
    """Back and the title's name, at the top of the picture."""

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
        self.title_label.setText(self.title_label.fontMetrics().elidedText(
            text, Qt.TextElideMode.ElideRight, max(80, self.width() - self.back_button.width() - 60)))
        self.title_label.setToolTip(text)


class ControlBar(QFrame):
    """The bottom bar; ``PlayerScreen`` connects its controls."""

    def __init__(self, parent: QWidget, *, tv: bool, volume: int) -> None:
        super().__init__(parent)
        native(self)
        self.setObjectName("playerOverlay")
        self.seek_bar = SeekBar()
        self.position_label = QLabel("00:00")
        self.duration_label = QLabel("00:00")
        self.back10 = QPushButton("−10 s")
        self.play_button = QPushButton("Pause")
        self.fwd10 = QPushButton("+10 s")
        self.quality = _menu()
        self.quality.addItem("Auto", None)
        self.audio = _menu()
        self.subtitles = _menu()
        self.subtitles.addItem("Subtitles off", None)
        self.mute_button = QPushButton("Mute")
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(volume)
        self.volume.setFixedWidth(160 if tv else 100)
        self.stats_button = QPushButton("Stats")
        self.help_button = QPushButton("?")
        self.full_button = QPushButton("Fullscreen")
        _quiet(self.back10, self.play_button, self.fwd10, self.quality, self.audio, self.subtitles,
               self.mute_button, self.volume, self.stats_button, self.help_button, self.full_button)
        seek = QHBoxLayout()
        seek.addWidget(self.position_label)
        seek.addWidget(self.seek_bar, 1)
        seek.addWidget(self.duration_label)
        transport = QHBoxLayout()
        for w in (self.back10, self.play_button, self.fwd10):
            transport.addWidget(w)
        transport.addStretch(1)
        menus = QHBoxLayout() if tv else transport
        for w in (self.audio, self.subtitles, self.quality, self.mute_button, self.volume, self.stats_button,
                  self.help_button):
            menus.addWidget(w)
        if tv:
            self.full_button.hide()  # a TV box is always full screen
            menus.addStretch(1)
        else:
            transport.addWidget(self.full_button)
        box = QVBoxLayout(self)
        box.addLayout(seek)
        box.addLayout(transport)
        if tv:
            box.addLayout(menus)

    def controls(self) -> list[QWidget]:
        """Every control a person reads (for fit checks)."""
        return [self.position_label, self.duration_label, self.back10, self.play_button, self.fwd10, self.audio,
                self.subtitles, self.quality, self.mute_button, self.stats_button, self.help_button, self.full_button]

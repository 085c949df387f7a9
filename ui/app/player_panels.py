"""Panels the player shows over the picture: stats ("stats for nerds"), key help (``?``), and
"Up next" with a countdown at the end of a title (Plex/Jellyfin behaviour: the next title starts by
itself unless the viewer cancels)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.app.format import clock_text
from ui.app.live_view import LiveView, behind_text
from ui.app.player_overlay import native

KEYS = (
    ("Space / Enter", "play or pause"),
    ("← / →", "back or forward 10 s"),
    ("↑ / ↓", "volume"),
    ("m", "mute"),
    ("s", "subtitles on or off"),
    ("a", "next audio language"),
    ("c", "next quality"),
    ("i", "stats"),
    ("f", "fullscreen"),
    ("l", "back to live (TV: ↑ then OK)"),
    ("?", "this help"),
    ("Esc / Back", "leave the player"),
)


def rate_text(kbps: float) -> str:
    """A bit rate a person reads at a glance: ``850 kbit/s``, ``12.4 Mbit/s`` (not ``447646 kbit/s``)."""
    return f"{kbps:.0f} kbit/s" if kbps < 10_000 else f"{kbps / 1000:.1f} Mbit/s"


def stats_text(stats: dict[str, Any]) -> str:
    """The stats overlay: rendition, bitrate, buffer, estimate, CDN, dropped frames."""
    size = f"{stats.get('width')}x{stats.get('height')}" if stats.get("width") else "—"
    bitrate = stats.get("bitrate_kbps")
    throughput = stats.get("throughput_kbps")
    forced = stats.get("forced_rung")
    lines = [
        f"Rendition   {stats.get('rendition') or '—'}  ({size})",
        f"Bitrate     {rate_text(bitrate)}" if bitrate else "Bitrate     —",
        f"Buffer      {stats.get('buffer_s') or 0.0:.1f} s",
        f"Throughput  {rate_text(throughput)}" if throughput else "Throughput  —",
        f"CDN         {stats.get('cdn') if stats.get('cdn') is not None else '—'}",
        f"Dropped     {stats.get('dropped_frames') or 0} frames",
        f"Quality     {'Auto' if forced is None else f'fixed rung {forced}'}",
    ]
    view = LiveView.from_stats(stats)
    if view is None:
        lines.append(f"Position    {clock_text(stats.get('position_s'))} / {clock_text(stats.get('duration_s'))}")
    else:
        latency = "—" if view.latency_s is None else f"{view.latency_s:.1f} s"
        lines += [f"Latency     {latency} (target {view.target_s:.1f} s)",
                  f"Behind live {behind_text(view.behind_s)} of a {clock_text(view.edge_s - view.start_s)} window"]
    return "\n".join(lines)


def key_help_text() -> str:
    width = max(len(k) for k, _ in KEYS)
    return "Keys\n\n" + "\n".join(f"{k.ljust(width)}   {what}" for k, what in KEYS)


class UpNext(QFrame):
    """"Up next: NAME in N s" with Play now / Cancel; ``play_next(title_id)`` when the countdown ends."""

    play_next = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget, seconds: int = 10) -> None:
        super().__init__(parent)
        native(self)
        self.setObjectName("upNext")
        self.seconds = seconds
        self.left = 0
        self.title_id = ""
        self.name = ""
        self.label = QLabel("")
        self.label.setObjectName("upNextText")
        self.play_now = QPushButton("Play now")
        self.cancel = QPushButton("Cancel")
        for b in (self.play_now, self.cancel):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter / Back reach the player, which answers for the panel
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_now)
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.label)
        box.addLayout(buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.play_now.clicked.connect(self._go)
        self.cancel.clicked.connect(self.stop)
        self.hide()

    def start(self, title_id: str, name: str) -> None:
        self.title_id, self.name, self.left = title_id, name, self.seconds
        self._show_left()
        self.show()
        self.raise_()
        self.timer.start()

    def stop(self) -> None:
        """Cancel the countdown (Back, Cancel, or leaving the player)."""
        was_running = self.timer.isActive() or self.isVisible()
        self.timer.stop()
        self.hide()
        if was_running:
            self.cancelled.emit()

    def _show_left(self) -> None:
        self.label.setText(f"Up next: {self.name}\nStarts in {self.left} s")
        self.adjustSize()

    def _tick(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self._go()
        else:
            self._show_left()

    def _go(self) -> None:
        self.timer.stop()
        self.hide()
        self.play_next.emit(self.title_id)

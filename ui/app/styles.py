"""Style sheets: the desktop look, and the 10-foot TV look (large type and tiles, safe margins,
a focus ring you can see from the sofa)."""
from __future__ import annotations

BASE = """
QWidget { background: #141414; color: #e8e8e8; font-size: %(font)dpx; }
QLabel#screenHeading { font-size: %(heading)dpx; font-weight: bold; }
QLabel#rowHeading { font-size: %(row)dpx; font-weight: bold; color: #ffffff; }
QLabel#errorText { color: #ffb74d; }
QPushButton { background: #2a2a2a; border: 2px solid #2a2a2a; border-radius: 6px; padding: 6px 14px; }
QPushButton:hover { background: #3a3a3a; }
QPushButton:disabled { color: #5a5a5a; background: #1c1c1c; border-color: #1c1c1c; }
QPushButton:focus { border: %(ring)dpx solid #ffd54f; }
QToolButton#tile { padding: 4px; background: #1f1f1f; border: 2px solid #1f1f1f; border-radius: 6px; }
QToolButton#tile:focus { border: %(ring)dpx solid #ffd54f; background: #333333; }
QLineEdit, QComboBox, QSpinBox { background: #222; border: 2px solid #444; padding: 4px; }
QLineEdit:focus, QComboBox:focus, QSpinBox:focus { border: %(ring)dpx solid #ffd54f; }
QProgressBar { border: 1px solid #444; background: #222; text-align: center; }
QProgressBar::chunk { background: #e53935; }
QFrame#playerOverlay { background: #101010; }
QFrame#playerOverlay QPushButton, QFrame#playerOverlay QComboBox { background: #202020; }
QLabel#statsOverlay { background: #000000; color: #7CFC00; font-family: monospace; font-size: %(stats)dpx; padding: 8px; border: 1px solid #555; }
QLabel#playerMessage { background: #000000; color: #ffb74d; font-size: %(row)dpx; padding: 12px; }
QWidget#navBar QPushButton { background: transparent; border: 2px solid transparent; }
QWidget#navBar QPushButton:focus { border: %(ring)dpx solid #ffd54f; }
"""


def style_sheet(tv: bool) -> str:
    sizes = {"font": 26, "heading": 44, "row": 32, "ring": 5, "stats": 22} if tv else \
            {"font": 13, "heading": 24, "row": 16, "ring": 2, "stats": 12}
    return BASE % sizes


TV_SAFE_MARGIN = 48  # about 5 % of a 1280x720 picture (broadcast action-safe area)

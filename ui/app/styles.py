"""Style sheets: the desktop look, and the 10-foot look of a TV or a kiosk (``AppContext.ten_foot``: large type
and tiles, a focus ring you can see from the sofa; a TV adds safe margins). Borders are as wide as the focus ring in
every state, so focusing a control never shrinks its content (a 5 px ring over a 2 px border clipped "Play"'s descender)."""
from __future__ import annotations

BASE = """
QWidget { background: #141414; color: #e8e8e8; font-size: %(font)dpx; }
QLabel#screenHeading { font-size: %(heading)dpx; font-weight: bold; }
QLabel#rowHeading { font-size: %(row)dpx; font-weight: bold; color: #ffffff; }
QLabel#errorText { color: #ffb74d; }
QPushButton { background: #2a2a2a; border: %(ring)dpx solid #2a2a2a; border-radius: 6px; padding: %(pad_v)dpx %(pad_h)dpx; }
QPushButton:hover { background: #3a3a3a; }
QPushButton:disabled { color: #5a5a5a; background: #1c1c1c; border-color: #1c1c1c; }
QPushButton:focus { border: %(ring)dpx solid #ffd54f; }
QToolButton#tile { padding: 4px; background: #1f1f1f; border: %(ring)dpx solid #1f1f1f; border-radius: 6px; }
QToolButton#tile:focus { border: %(ring)dpx solid #ffd54f; background: #333333; }
QLineEdit, QComboBox, QSpinBox { background: #222; border: 2px solid #444; padding: 4px; }
QLineEdit:focus, QComboBox:focus, QSpinBox:focus { border: %(ring)dpx solid #ffd54f; }
QProgressBar { border: 1px solid #444; background: #222; text-align: center; }
QProgressBar::chunk { background: #3d9be9; }
QProgressBar[state="complete"]::chunk { background: #43a047; }
QProgressBar[state="paused"]::chunk { background: #8d8d8d; }
QPushButton[armed="true"] { background: #8e2b2b; }
QFrame#playerOverlay { background: #101010; }
QFrame#playerOverlay QPushButton, QFrame#playerOverlay QComboBox { background: #202020; }
QFrame#playerOverlay QPushButton#goLive { color: #d0d0d0; font-weight: bold; }
QFrame#playerOverlay QPushButton#goLive[lit="true"] { background: #e50914; border-color: #e50914; color: #ffffff; }
QFrame#playerOverlay QPushButton#goLive[selected="true"] { border: %(ring)dpx solid #ffd54f; }
QLabel#latency { color: #b0b0b0; }
QLabel#statsOverlay { background: #000000; color: #7CFC00; font-family: monospace; font-size: %(stats)dpx; padding: 8px; border: 1px solid #555; }
QLabel#playerMessage { background: #000000; color: #ffb74d; font-size: %(row)dpx; padding: 12px; }
QScrollBar { background: #141414; border: none; width: %(bar)dpx; height: %(bar)dpx; }
QScrollBar::handle { background: #3a3a3a; border-radius: %(bar_r)dpx; min-width: 24px; min-height: 24px; }
QScrollBar::add-line, QScrollBar::sub-line { width: 0; height: 0; }
QScrollBar::add-page, QScrollBar::sub-page { background: none; }
QFrame#offlineBanner, QFrame#offlineBanner QLabel { background: #3b2f12; color: #ffe0a3; }
QPushButton#linkButton { background: transparent; color: #9ecbff; border: %(ring)dpx solid transparent; }
QPushButton#linkButton:focus { border: %(ring)dpx solid #ffd54f; }
QWidget#navBar QPushButton { background: transparent; border: %(ring)dpx solid transparent; color: #b0b0b0; }
QWidget#navBar QPushButton:checked { color: #ffffff; border-bottom: %(tab)dpx solid #3d9be9; }
QWidget#navBar QPushButton:focus { border: %(ring)dpx solid #ffd54f; }
QWidget#navBar QPushButton#accountButton { color: #e8e8e8; }
QLabel#brand { font-size: %(row)dpx; font-weight: bold; color: #3d9be9; }
QPushButton#primaryButton { background: #e8e8e8; color: #141414; font-weight: bold; border-color: #e8e8e8; }
QPushButton#primaryButton:focus { border: %(ring)dpx solid #ffd54f; }
QWidget#backdrop QLabel { background: transparent; }
QLabel#heroKicker { color: #9ecbff; font-weight: bold; }
QLabel#heroTitle { font-size: %(hero)dpx; font-weight: bold; color: #ffffff; }
QLabel#heroMeta { color: #cfcfcf; }
QFrame#playerTopBar { background: #101010; }
QLabel#playerTitle { font-size: %(row)dpx; font-weight: bold; }
QLabel#keyHelp { background: #101010; color: #e8e8e8; font-family: monospace; font-size: %(stats)dpx; padding: 16px; border: 1px solid #555; }
QLabel#playerNotice { background: #2b2b2b; color: #ffe0a3; padding: 10px; border-left: 4px solid #ffb74d; }
QFrame#upNext { background: #101010; border: 1px solid #444; }
QFrame#upNext QLabel { font-size: %(row)dpx; }
"""


def style_sheet(ten_foot: bool) -> str:
    sizes = {"font": 26, "heading": 44, "row": 32, "ring": 5, "stats": 22, "bar": 12, "bar_r": 6, "pad_v": 10, "pad_h": 24,
             "hero": 56, "tab": 5} if ten_foot else \
            {"font": 13, "heading": 24, "row": 16, "ring": 2, "stats": 12, "bar": 8, "bar_r": 4, "pad_v": 6, "pad_h": 14,
             "hero": 32, "tab": 3}
    return BASE % sizes


TV_SAFE_MARGIN = 48  # about 5 % of a 1280x720 picture (broadcast action-safe area)

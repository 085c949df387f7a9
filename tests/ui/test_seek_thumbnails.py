"""Trick-play on the seek bar (issue 18): hovering shows the tile of the hovered time from the title's image track,
fetched through the engine from the real edges and decoded once (offscreen Qt, libmpv with vo=null)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageStat

from tests.ui.conftest import open_title


def _pil(image: Any) -> Image.Image:
    """A QImage as a PIL image (RGB), to compare with the sheet on disk."""
    from PySide6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return Image.frombytes("RGB", (rgb.width(), rgb.height()), bytes(rgb.constBits()), "raw", "RGB", rgb.bytesPerLine())


def test_hovering_the_seek_bar_shows_the_hovered_times_thumbnail(qtbot: Any, make_window: Any, ui_library: Path,
                                                                  tmp_path: Path) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    window = open_title(qtbot, make_window, "ui-beta")
    window.title_page.play.emit("ui-beta", 0.0)
    qtbot.waitUntil(lambda: (window.controller.last_stats.get("duration_s") or 0) > 5, timeout=20000)
    window.controller.set_paused(True)  # a 6 s title: keep the session alive while the pointer moves
    bar = window.player.seek_bar
    window.player.show_overlay()
    qtbot.waitUntil(lambda: bar.isVisible() and bar.width() > 100, timeout=5000)
    x = round(bar.width() * 3.0 / bar.duration_s)  # 3.0 s: the second tile (one per 2 s)
    QTest.mouseMove(bar, QPoint(x, bar.height() // 2))
    qtbot.waitUntil(lambda: bar.thumbnail is not None and bar.thumbnail.isVisible(), timeout=10000)
    shown = bar.thumbnail.pixmap().toImage()
    assert (shown.width(), shown.height()) == (160, 90)
    picture = _pil(shown).crop((0, 0, 160, 70))  # above the time caption
    assert max(hi - lo for lo, hi in picture.getextrema()) > 100  # not blank
    with Image.open(ui_library / "content" / "ui-beta" / "thumbs" / "1.jpg") as sheet:
        tiles = [sheet.convert("RGB").crop((160 * i, 0, 160 * i + 160, 70)) for i in range(3)]
    diffs = [sum(ImageStat.Stat(ImageChops.difference(picture, t)).mean) for t in tiles]
    assert diffs.index(min(diffs)) == 1 and min(diffs) < 15, diffs  # the tile of 2–4 s, not its neighbours
    bar.thumbnail.grab().save(str(tmp_path / "seek-thumbnail.png"))

    QTest.mouseMove(bar, QPoint(round(bar.width() * 5.0 / bar.duration_s), bar.height() // 2))
    qtbot.waitUntil(lambda: bar.preview_text == "00:05", timeout=5000)
    qtbot.waitUntil(lambda: _pil(bar.thumbnail.pixmap().toImage()).crop((0, 0, 160, 70)) != picture, timeout=5000)
    track = window.controller.session.thumbnails
    assert track is not None and track.fetches == 1 and window.player.seek_thumbnails.decodes == 1  # one sheet, once
    bar.hide()  # the overlay hiding takes the preview (a window of its own) with it
    assert not bar.thumbnail.isVisible()


def test_a_seek_by_keys_previews_where_it_lands(qtbot: Any, make_window: Any, ui_library: Path) -> None:
    """A remote has no pointer: ← from 5 s shows the thumbnail of 0 s (the landing point) above the bar."""
    from PySide6.QtCore import Qt

    window = open_title(qtbot, make_window, "ui-beta")
    window.title_page.play.emit("ui-beta", 0.0)
    qtbot.waitUntil(lambda: (window.controller.last_stats.get("duration_s") or 0) > 5, timeout=20000)
    window.controller.set_paused(True)
    window.controller.seek(4.5)
    qtbot.waitUntil(lambda: (window.controller.last_stats.get("position_s") or 0) >= 4.0, timeout=10000)
    bar = window.player.seek_bar
    window.player.show_overlay()
    qtbot.keyClick(window.player, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: bar.thumbnail is not None and bar.thumbnail.isVisible(), timeout=10000)
    assert bar.preview_text == "00:00"
    shown = _pil(bar.thumbnail.pixmap().toImage()).crop((0, 0, 160, 70))
    with Image.open(ui_library / "content" / "ui-beta" / "thumbs" / "1.jpg") as sheet:
        tiles = [sheet.convert("RGB").crop((160 * i, 0, 160 * i + 160, 70)) for i in range(3)]
    diffs = [sum(ImageStat.Stat(ImageChops.difference(shown, t)).mean) for t in tiles]
    assert diffs.index(min(diffs)) == 0 and min(diffs) < 15, diffs


def test_the_thumbnail_shows_over_the_video_on_a_real_screen(xvfb_display: str, ui_backend: Any, ui_library: Path,
                                                            tmp_path: Path) -> None:
    """Under Xvfb with libmpv drawing into the window (vo=x11), the preview is on top of the video: the screen
    where it sits shows the tile of the hovered time."""
    from tests.ui.test_app_player_xvfb import run_scenario

    seen = run_scenario("thumbnail", xvfb_display, ui_backend.api_url, tmp_path, tmp_path / "home")
    x, y, w, h = seen["thumbnail_geometry"]
    assert (w, h) == (160, 90)
    on_screen = Image.open(tmp_path / "thumbnail.png").convert("RGB").crop((x, y, x + 160, y + 70))
    with Image.open(ui_library / "content" / "ui-beta" / "thumbs" / "1.jpg") as sheet:
        tile = sheet.convert("RGB").crop((160, 0, 320, 70))
    assert sum(ImageStat.Stat(ImageChops.difference(on_screen, tile)).mean) < 15

"""Screenshots under Xvfb of home, a title page, the player with stats, and downloads with progress."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

HERE = Path(__file__).resolve().parent


def _video_region(img: Image.Image, seen: dict[str, Any]) -> Image.Image:
    x, y, w, h = seen["video_geometry"]
    # leave out the stats panel (top-left) and the control bar (bottom)
    return img.crop((x + w // 3, y + 20, x + w - 20, y + h - seen["overlay_height"] - 20)).convert("RGB")


def _ring_sides(img: Image.Image, geometry: list[int]) -> set[str]:
    """Which sides of the focused tile show the focus ring's yellow (#ffd54f) on screen (clipped sides do not)."""
    x, y, w, h = geometry
    rgb = img.convert("RGB")

    def yellow(points: list[tuple[int, int]]) -> bool:
        hits = 0
        for px, py in points:
            r, g, b = rgb.getpixel((px, py))
            hits += r > 200 and 170 < g < 240 and b < 140
        return hits > len(points) // 2

    inner = range(x + 12, x + w - 12, 4)
    side = range(y + 12, y + h - 12, 4)
    return {name for name, points in (
        ("top", [(i, y + 2) for i in inner]), ("bottom", [(i, y + h - 3) for i in inner]),
        ("left", [(x + 2, j) for j in side]), ("right", [(x + w - 3, j) for j in side]),
    ) if yellow(points)}


def test_screenshots_show_home_title_player_video_and_download_progress(
    xvfb_display: str, ui_backend: Any, tmp_path: Path
) -> None:
    """The app under X11 renders artwork tiles, the title page, a real decoded video frame under the stats
    overlay (varied pixels, many colours), a download part-way with its progress bar, and in TV mode a focus
    ring visible on all four sides of the tile an arrow key moved to."""
    out = tmp_path / "shots"
    out.mkdir()
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb", REELBOX_HOME=str(tmp_path / "home"))
    env.pop("WAYLAND_DISPLAY", None)
    run = subprocess.run([sys.executable, str(HERE / "screenshot_run.py"), ui_backend.api_url, str(out)],
                         env=env, capture_output=True, text=True, timeout=120, cwd=HERE.parents[1])
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    for name in ("home", "title", "player", "downloads"):
        assert (out / f"{name}.png").stat().st_size > 5000, name
    print(f"screenshots in {out}")

    assert seen["home_artwork"] >= 2
    assert "Buffer" in seen["stats"] and "Rendition" in seen["stats"]
    video = _video_region(Image.open(out / "player.png"), seen)
    stat = ImageStat.Stat(video)
    colours = len(video.resize((160, 90)).getcolors(maxcolors=160 * 90))
    assert max(stat.var) > 300, f"video area looks uniform (variance {stat.var})"
    assert max(stat.mean) > 20, "video area is black"
    assert colours > 50, f"only {colours} distinct colours in the video area"

    assert seen["tv_focus_is_second_tile"], "Right did not move the TV focus to the next tile"
    assert _ring_sides(Image.open(out / "tv-home.png"), seen["tv_focus_geometry"]) == {"top", "bottom", "left", "right"}

    assert seen["title_download_bar"]
    assert any(0 < v < 1000 for v in seen["download_bar"]), seen["download_bar"]

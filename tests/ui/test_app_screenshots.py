"""Screenshots under Xvfb of home, a title page, the player with stats, and downloads with progress."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

HERE = Path(__file__).resolve().parent


def _video_region(img: Image.Image, seen: dict[str, Any]) -> Image.Image:
    x, y, w, h = seen["video_geometry"]
    # leave out the stats panel (top-left) and the control bar (bottom)
    return img.crop((x + w // 3, y + 20, x + w - 20, y + h - seen["overlay_height"] - 20)).convert("RGB")


def test_screenshots_show_home_title_player_video_and_download_progress(
    xvfb_display: str, ui_backend: Any, tmp_path: Path
) -> None:
    """The app under X11 renders artwork tiles, the title page, a real decoded video frame under the stats
    overlay (varied pixels, many colours) and a download part-way with its progress bar."""
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
    colours = len(set(video.resize((160, 90)).getdata()))
    assert max(stat.var) > 300, f"video area looks uniform (variance {stat.var})"
    assert max(stat.mean) > 20, "video area is black"
    assert colours > 50, f"only {colours} distinct colours in the video area"

    assert seen["title_download_bar"]
    assert any(0 < v < 1000 for v in seen["download_bar"]), seen["download_bar"]

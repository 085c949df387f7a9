"""The player in the real app under Xvfb (vo=x11): what a viewer sees on screen."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops

HERE = Path(__file__).resolve().parent


def _white(img: Image.Image) -> int:
    """Pixels white in all three channels (subtitle text is white with a dark outline)."""
    r, g, b = img.split()
    return ImageChops.darker(ImageChops.darker(r, g), b).point(lambda v: 255 if v > 225 else 0).histogram()[255]


def run_scenario(name: str, display: str, api_url: str, out: Path, home: Path) -> dict[str, Any]:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", REELBOX_HOME=str(home))
    env.pop("WAYLAND_DISPLAY", None)
    run = subprocess.run([sys.executable, str(HERE / "player_run.py"), name, api_url, str(out)],
                         env=env, capture_output=True, text=True, timeout=180, cwd=HERE.parents[1])
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_subtitles_from_the_toggle_appear_in_the_cue_window(xvfb_display: str, ui_backend: Any, tmp_path: Path) -> None:
    """Pressing s in the player loads the English track and its cue is drawn: the cue window (bottom
    middle of the picture) differs from the same paused frame with subtitles off, with white text pixels."""
    seen = run_scenario("subtitles", xvfb_display, ui_backend.api_url, tmp_path, tmp_path / "home")
    assert seen["menu"] == "Subtitles en"
    x, y, w, h = seen["video_geometry"]
    box = (x + w // 6, y + h * 3 // 5, x + w * 5 // 6, y + h - 4)
    on = Image.open(tmp_path / "subs-on.png").convert("RGB").crop(box)
    off = Image.open(tmp_path / "subs-off.png").convert("RGB").crop(box)
    changed = ImageChops.difference(on, off).convert("L").point(lambda v: 255 if v > 60 else 0).histogram()[255]
    white_on, white_off = _white(on), _white(off)
    assert changed > 300, f"only {changed} pixels of the cue window change with subtitles (paused at {seen['paused_at']})"
    assert white_on > white_off + 100, (white_on, white_off)

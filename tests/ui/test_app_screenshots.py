"""Screenshots under Xvfb of every screen (home, title, player with overlay and subtitles, downloads, settings,
offline), desktop and TV, at 1280x720 and 1920x1080, with what can be checked on them checked."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

HERE = Path(__file__).resolve().parent
MODES = [f"{mode}-{w}x{h}" for mode in ("desktop", "tv") for w, h in ((1280, 720), (1920, 1080))]
SCREENS = ("home", "title", "player", "player-help", "downloads", "settings", "offline")


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _ring_visible(img: Image.Image, window: list[int], focus: list[int]) -> bool:
    """The focus ring's yellow (#ffd54f) shows along the focused widget's edges, inside the shot."""
    rgb = img.convert("RGB")
    x, y, w, h = focus[0] - window[0], focus[1] - window[1], focus[2], focus[3]
    edge = [(x + i, y + 2) for i in range(4, w - 4, 3)] + [(x + i, y + h - 3) for i in range(4, w - 4, 3)]
    edge += [(x + 2, y + j) for j in range(4, h - 4, 3)] + [(x + w - 3, y + j) for j in range(4, h - 4, 3)]
    inside = [(px, py) for px, py in edge if 0 <= px < rgb.width and 0 <= py < rgb.height]
    hits = sum(1 for p in inside if (lambda r, g, b: r > 200 and 170 < g < 240 and b < 140)(*rgb.getpixel(p)))
    return len(inside) == len(edge) and hits > len(edge) * 0.6


def test_every_screen_fits_and_shows_its_content(xvfb_hd_display: str, ui_backend: Any, tmp_path: Path) -> None:
    """For desktop and TV at both sizes: no widget outside the window and no text wider than its widget (font
    metrics), the focused control's ring visible in TV mode, artwork and backdrop on home, a decoded frame under
    the player overlay, a download bar part-way, and the offline banner."""
    out = tmp_path / "shots"
    out.mkdir()
    env = dict(os.environ, DISPLAY=xvfb_hd_display, QT_QPA_PLATFORM="xcb", REELBOX_HOME=str(tmp_path / "home"))
    env.pop("WAYLAND_DISPLAY", None)
    run = subprocess.run([sys.executable, str(HERE / "screenshot_run.py"), ui_backend.api_url, _dead_url(), str(out)],
                         env=env, capture_output=True, text=True, timeout=400, cwd=HERE.parents[1])
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"screenshots in {out}")
    problems = {f"{s}-{m}": seen[f"{s}-{m}"]["problems"] for m in MODES for s in SCREENS if seen[f"{s}-{m}"]["problems"]}
    assert not problems, json.dumps(problems, indent=1)
    for mode in MODES:
        for screen in SCREENS:
            img = Image.open(out / f"{screen}-{mode}.png")
            size = tuple(int(v) for v in mode.split("-")[1].split("x"))
            assert img.size == size == tuple(seen[f"{screen}-{mode}"]["window"][2:]), f"{screen}-{mode}: window grew to {img.size}"
        assert seen[f"home-{mode}-art"] >= 2
        assert "Buffer" in seen[f"player-{mode}-stats"]
        assert any(0 < v < 1000 for v in seen[f"downloads-{mode}-bar"]), seen[f"downloads-{mode}-bar"]
        window = seen[f"player-{mode}"]["window"]
        vx, vy, vw, vh = seen[f"player-{mode}-video"]
        oy = seen[f"player-{mode}-overlay"][1]
        video = Image.open(out / f"player-{mode}.png").convert("RGB").crop(
            (vx - window[0] + vw // 3, vy - window[1] + vh // 5, vx - window[0] + vw - 20, oy - window[1] - 10))
        assert max(ImageStat.Stat(video).var) > 300, f"{mode}: no picture under the overlay"
        if mode.startswith("tv"):
            for screen in ("home", "downloads", "offline"):
                s = seen[f"{screen}-{mode}"]
                assert s["focus"] and _ring_visible(Image.open(out / f"{screen}-{mode}.png"), s["window"], s["focus"]), (
                    f"{screen}-{mode}: focus ring on {s['focus_type']} not visible")

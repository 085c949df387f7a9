"""Screenshots under Xvfb of every screen (home, title, player with overlay and subtitles, downloads, settings,
offline; and the live screens: the Live row, the live player at the edge and in timeshift), desktop and TV,
at 1280x720 and 1920x1080, with what can be checked on them checked; and kiosk mode's home, player and retry."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

HERE = Path(__file__).resolve().parent
MODES = [f"{mode}-{w}x{h}" for mode in ("desktop", "tv") for w, h in ((1280, 720), (1920, 1080))]
SCREENS = ("home", "title", "player", "player-help", "downloads", "settings", "offline")
LIVE_SCREENS = ("live-home", "live-player", "live-timeshift")
KIOSK_MODES = [f"kiosk-{w}x{h}" for w, h in ((1280, 720), (1920, 1080))]
KIOSK_SCREENS = ("home", "player", "retry")


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


def _shoot(display: str, api_url: str, tmp_path: Path, screens: tuple[str, ...], *options: str,
           modes: list[str] = MODES) -> tuple[Path, dict[str, Any]]:
    """Run ``screenshot_run.py`` on ``display``; the shots' folder and what it saw, after the fit and size checks."""
    out = tmp_path / "shots"
    out.mkdir()
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", REELBOX_HOME=str(tmp_path / "home"))
    env.pop("WAYLAND_DISPLAY", None)
    run = subprocess.run([sys.executable, str(HERE / "screenshot_run.py"), api_url, _dead_url(), str(out), *options],
                         env=env, capture_output=True, text=True, timeout=400, cwd=HERE.parents[1])
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"screenshots in {out}")
    problems = {f"{s}-{m}": seen[f"{s}-{m}"]["problems"] for m in modes for s in screens if seen[f"{s}-{m}"]["problems"]}
    assert not problems, json.dumps(problems, indent=1)
    for mode in modes:
        for screen in screens:
            img = Image.open(out / f"{screen}-{mode}.png")
            size = tuple(int(v) for v in mode.split("-")[1].split("x"))
            assert img.size == size == tuple(seen[f"{screen}-{mode}"]["window"][2:]), f"{screen}-{mode}: window grew to {img.size}"
    return out, seen


def _picture_under_overlay(out: Path, seen: dict[str, Any], shot: str) -> bool:
    """A decoded frame (not a flat colour) between the top of the video and the overlay."""
    window = seen[shot]["window"]
    vx, vy, vw, vh = seen[f"{shot}-video"]
    oy = seen[f"{shot}-overlay"][1]
    video = Image.open(out / f"{shot}.png").convert("RGB").crop(
        (vx - window[0] + vw // 3, vy - window[1] + vh // 5, vx - window[0] + vw - 20, oy - window[1] - 10))
    return max(ImageStat.Stat(video).var) > 300


def _crop(out: Path, seen: dict[str, Any], shot: str, box: list[int]) -> Image.Image:
    """The part of ``shot``'s PNG under ``box`` (screen x, y, width, height)."""
    window = seen[shot]["window"]
    x, y = box[0] - window[0], box[1] - window[1]
    return Image.open(out / f"{shot}.png").convert("RGB").crop((x, y, x + box[2], y + box[3]))


def _live_red(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return r > 200 and g < 60 and b < 60


def test_every_screen_fits_and_shows_its_content(xvfb_hd_display: str, ui_backend: Any, tmp_path: Path) -> None:
    """For desktop and TV at both sizes: no widget outside the window and no text wider than its widget (font
    metrics), the focused control's ring visible in TV mode, artwork and backdrop on home, a decoded frame under
    the player overlay, a download bar part-way, and the offline banner."""
    out, seen = _shoot(xvfb_hd_display, ui_backend.api_url, tmp_path, SCREENS)
    for mode in MODES:
        assert seen[f"home-{mode}-art"] >= 2
        assert "Buffer" in seen[f"player-{mode}-stats"]
        assert any(0 < v < 1000 for v in seen[f"downloads-{mode}-bar"]), seen[f"downloads-{mode}-bar"]
        assert _picture_under_overlay(out, seen, f"player-{mode}"), f"{mode}: no picture under the overlay"
        if mode.startswith("tv"):
            for screen in ("home", "downloads", "offline"):
                s = seen[f"{screen}-{mode}"]
                assert s["focus"] and _ring_visible(Image.open(out / f"{screen}-{mode}.png"), s["window"], s["focus"]), (
                    f"{screen}-{mode}: focus ring on {s['focus_type']} not visible")


def test_live_screens_fit_and_read_at_a_glance(xvfb_hd_display: str, live_ui_backend: Any, tmp_path: Path) -> None:
    """The live screens, desktop and TV at both sizes, against the backend's live channel: everything fits; the
    Live row's tile shows its red LIVE badge (TV: in focus, ring visible); the live player shows the picture, a
    time behind live and a lit "● LIVE" with the seek bar's red live end; in timeshift the control offers
    "Go live" (TV: selected by ↑, its ring visible)."""
    out, seen = _shoot(xvfb_hd_display, live_ui_backend.api_url, tmp_path, LIVE_SCREENS, "--live")
    for mode in MODES:
        tv = mode.startswith("tv")
        home = Image.open(out / f"live-home-{mode}.png").convert("RGB")
        window = seen[f"live-home-{mode}"]["window"]
        tx, ty, tw, th = seen[f"live-home-{mode}-tile"]
        tile = home.crop((tx - window[0], ty - window[1], tx - window[0] + tw, min(ty - window[1] + th, home.height)))
        badge_w, badge_h = seen[f"live-home-{mode}-badge"]
        assert badge_h >= (24 if tv else 14), f"{mode}: LIVE badge {badge_h} px high"
        red = sum(_live_red(tile.getpixel((x, y))) for x in range(tile.width) for y in range(tile.height))
        assert red > badge_w * badge_h * 0.4, f"{mode}: LIVE badge not on screen ({red} red pixels)"
        assert _picture_under_overlay(out, seen, f"live-player-{mode}"), f"{mode}: no live picture"
        behind, control = seen[f"live-player-{mode}-labels"]
        assert behind.startswith("−") and control == "● LIVE", (mode, behind, control)
        player = Image.open(out / f"live-player-{mode}.png").convert("RGB")
        bx, by, bw, bh = seen[f"live-player-{mode}-bar"]
        pw = seen[f"live-player-{mode}"]["window"]
        assert _live_red(player.getpixel((bx - pw[0] + bw - 2, by - pw[1] + bh // 2))), f"{mode}: no live end on the bar"
        behind, control = seen[f"live-timeshift-{mode}-labels"]
        assert behind.startswith("−") and control == "Go live", (mode, behind, control)
        if tv:  # the live tile has focus; Go live is selected (the player keeps the keys)
            for screen, ring in (("live-home", seen[f"live-home-{mode}"]["focus"]), ("live-timeshift", seen[f"live-timeshift-{mode}-go"])):
                window = seen[f"{screen}-{mode}"]["window"]
                assert ring and _ring_visible(Image.open(out / f"{screen}-{mode}.png"), window, ring), f"{screen}-{mode}: no ring"


def test_kiosk_screens_fit_and_leave_the_operator_controls_out(xvfb_hd_display: str, ui_backend: Any, tmp_path: Path) -> None:
    """Kiosk mode at both sizes: everything fits; home's bar has no Settings tab (the operator's, behind the PIN); the
    player shows the picture under its overlay and a top bar holding the title alone, no Back drawn there (leaving
    takes the PIN); a play that failed keeps its sentence and the countdown to its retry mid-screen, orange on black."""
    out, seen = _shoot(xvfb_hd_display, ui_backend.api_url, tmp_path, KIOSK_SCREENS, "--kiosk", modes=KIOSK_MODES)
    for mode in KIOSK_MODES:
        tabs = seen[f"home-{mode}-tabs"]
        assert "Home" in tabs and "Settings" not in tabs, (mode, tabs)
        assert _picture_under_overlay(out, seen, f"player-{mode}"), f"{mode}: no picture under the overlay"
        assert seen[f"player-{mode}-top-texts"] == ["Test ui-alpha"], (mode, seen[f"player-{mode}-top-texts"])
        top = _crop(out, seen, f"player-{mode}", seen[f"player-{mode}-top"])
        button_fill = sum(top.getpixel((x, y)) == (42, 42, 42) for x in range(top.width) for y in range(top.height))
        assert button_fill < 200, f"{mode}: a button drawn in the top bar ({button_fill} px of #2a2a2a)"
        text, box = seen[f"retry-{mode}-message"]
        assert re.search(r"\nTrying again in [1-6]?[0-9] s\.$", text), (mode, text)  # the minute, counted down
        message = _crop(out, seen, f"retry-{mode}", box)
        orange = sum((lambda r, g, b: r > 200 and 140 < g < 210 and b < 120)(*message.getpixel((x, y)))
                     for x in range(message.width) for y in range(message.height))
        assert orange > 300, f"{mode}: the failure is not on screen ({orange} orange px)"
        vx, vy, vw, vh = seen[f"retry-{mode}-video"]
        beside = [(vx + 4, box[1] + box[3] // 2), (vx + vw - 5, box[1] + box[3] // 2)]  # left and right of the message
        picture = Image.open(out / f"retry-{mode}.png").convert("RGB")
        window = seen[f"retry-{mode}"]["window"]
        assert all(picture.getpixel((x - window[0], y - window[1])) == (0, 0, 0) for x, y in beside), f"{mode}: not black"

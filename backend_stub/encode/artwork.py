"""Artwork per title, made from the video itself (issue 18): a 2:3 poster and a 16:9 backdrop.

A frame a third of the way in (past titles and fades) is taken from the encoded top rung with
ffmpeg, before packaging, so protected titles need no key. The poster is that frame cropped to 2:3
with a soft dark foot; it carries **no title text** — the app captions each tile once. The
backdrop is the frame at 1280×720 darkened towards the left and the bottom, where the app writes
the title, its facts and the buttons. When no frame can be had (ffmpeg fails, no video), both fall
back to a gradient derived from the name, so a title always has artwork.
"""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw

from .runner import run_short

POSTER = (600, 900)
BACKDROP = (1280, 720)
FRAME_TIMEOUT_S = 60


def _colours(seed: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    h = hashlib.sha256(seed.encode()).digest()
    return (h[0], h[1], h[2]), (h[3] // 3, h[4] // 3, h[5] // 3)


def _gradient(size: tuple[int, int], name: str) -> Image.Image:
    top, bottom = _colours(name)
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(size[1]):
        t = y / (size[1] - 1)
        draw.line([(0, y), (size[0], y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)))
    return img


def grab_frame(ffmpeg: str, video: Path, at_s: float, out: Path) -> Image.Image | None:
    """One decoded frame of ``video`` at ``at_s`` (None when ffmpeg cannot give one)."""
    try:
        run_short([ffmpeg, "-v", "error", "-y", "-ss", f"{max(0.0, at_s):.3f}", "-i", str(video),
                   "-frames:v", "1", str(out)], timeout_s=FRAME_TIMEOUT_S)
        with Image.open(out) as img:
            return img.convert("RGB")
    except (OSError, subprocess.SubprocessError):
        return None


def _cover(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale ``img`` to cover ``size`` and crop the middle (no bars, aspect kept)."""
    scale = max(size[0] / img.width, size[1] / img.height)
    scaled = img.resize((max(size[0], round(img.width * scale)), max(size[1], round(img.height * scale))), Image.LANCZOS)
    left, top = (scaled.width - size[0]) // 2, (scaled.height - size[1]) // 2
    return scaled.crop((left, top, left + size[0], top + size[1]))


def _shade(img: Image.Image, *, left: float, bottom: float) -> Image.Image:
    """Darken towards the left edge (``left`` of the width) and the bottom (``bottom`` of the height)."""
    w, h = img.size
    mask = Image.new("L", img.size, 0)
    draw = ImageDraw.Draw(mask)
    for x in range(int(w * left)):
        draw.line([(x, 0), (x, h)], fill=round(200 * (1 - x / (w * left))))
    for y in range(int(h * (1 - bottom)), h):
        t = (y - h * (1 - bottom)) / (h * bottom)
        draw.line([(0, y), (w, y)], fill=max(0, round(230 * t)))
    return Image.composite(Image.new("RGB", img.size, (10, 10, 10)), img, mask)


def write_poster(path: Path, frame: Image.Image | None, name: str) -> None:
    """A 600×900 poster: the frame cropped to 2:3 with a dark foot (gradient fallback)."""
    img = _shade(_cover(frame, POSTER), left=0.0, bottom=0.3) if frame is not None else _gradient(POSTER, name)
    img.save(path, "JPEG", quality=85)


def write_backdrop(path: Path, frame: Image.Image | None, name: str) -> None:
    """A 1280×720 backdrop darkened left and bottom, for the hero and the title page (gradient fallback)."""
    img = _cover(frame, BACKDROP) if frame is not None else _gradient(BACKDROP, name)
    _shade(img, left=0.6, bottom=0.45).save(path, "JPEG", quality=85)


def write_title_art(out_dir: Path, *, video: Path, duration_s: float, name: str, ffmpeg: str, work_dir: Path) -> None:
    """``artwork.jpg`` (poster) and ``backdrop.jpg`` in ``out_dir`` from a frame of ``video``."""
    frame = grab_frame(ffmpeg, video, duration_s / 3, work_dir / "art-frame.png") if video.is_file() else None
    write_poster(out_dir / "artwork.jpg", frame, name)
    write_backdrop(out_dir / "backdrop.jpg", frame, name)


"""Render reelbox.png (256x256) from the same shapes as reelbox.svg, with Pillow (no SVG renderer needed).

    .venv/bin/python packaging/desktop/make_icon.py     # rewrites packaging/desktop/reelbox.png
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SCALE = 4  # draw at 4x and downsample: smooth edges without an antialiasing renderer


def render(size: int = 256) -> Image.Image:
    s = SCALE * size / 256
    img = Image.new("RGBA", (int(256 * s),) * 2, (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    top, bottom = (0x2B, 0x3A, 0x67), (0x14, 0x1B, 0x33)
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([8 * s, 8 * s, 248 * s, 248 * s], radius=48 * s, fill=255)
    grad = Image.new("RGBA", img.size)
    gd = ImageDraw.Draw(grad)
    for y in range(img.size[1]):
        t = y / (img.size[1] - 1)
        gd.line([(0, y), (img.size[0], y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)) + (255,))
    img.paste(grad, (0, 0), mask)
    light, red = (0xE8, 0xEC, 0xF5, 255), (0xFF, 0x47, 0x57, 255)
    d.ellipse([(128 - 84 - 7) * s, (128 - 84 - 7) * s, (128 + 84 + 7) * s, (128 + 84 + 7) * s], outline=light, width=int(14 * s))
    for cx, cy in ((128, 72), (128, 184), (72, 128), (184, 128)):
        d.ellipse([(cx - 16) * s, (cy - 16) * s, (cx + 16) * s, (cy + 16) * s], fill=light)
    d.polygon([(108 * s, 100 * s), (108 * s, 156 * s), (158 * s, 128 * s)], fill=red)
    return img.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    render(256).save(HERE / "reelbox.png")
    print(HERE / "reelbox.png")

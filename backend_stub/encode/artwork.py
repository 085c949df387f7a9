"""Generated poster art (Pillow): a two-colour gradient with the title's name, 600x900 JPEG."""
from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = (600, 900)


def _colours(seed: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    h = hashlib.sha256(seed.encode()).digest()
    return (h[0], h[1], h[2]), (h[3] // 3, h[4] // 3, h[5] // 3)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


def write_artwork(path: Path, name: str, subtitle: str = "") -> None:
    """Draw a deterministic poster for ``name`` (colours derive from the name) to ``path``."""
    top, bottom = _colours(name)
    img = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(img)
    for y in range(SIZE[1]):
        t = y / (SIZE[1] - 1)
        draw.line([(0, y), (SIZE[0], y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)))
    words, lines, line = name.split(), [], ""
    for w in words:
        if len(line) + len(w) > 14 and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    font = _font(64)
    y = 560
    for ln in lines:
        draw.text((40, y), ln, fill=(255, 255, 255), font=font)
        y += 76
    if subtitle:
        draw.text((40, y + 10), subtitle, fill=(230, 230, 230), font=_font(30))
    draw.text((40, 40), "REELBOX", fill=(255, 255, 255), font=_font(36))
    img.save(path, "JPEG", quality=85)

"""Poster and backdrop made from a frame of the title's own video (real ffmpeg, real backend)."""
from __future__ import annotations

from pathlib import Path

import httpx
from PIL import Image, ImageStat


def test_poster_and_backdrop_come_from_the_video(tmp_path: Path) -> None:
    """A testsrc2 title gets a 2:3 poster and a 16:9 backdrop full of the pattern's colours (not a two-colour
    gradient), the backdrop darker on its left where the app writes; the API serves both."""
    from backend_stub.encode import make_test_title
    from backend_stub.server import Backend
    from testkit import FAST_SETTINGS

    make_test_title(tmp_path, "art-one", seconds=4, heights=(144, 240))
    folder = tmp_path / "content" / "art-one"
    poster, backdrop = Image.open(folder / "artwork.jpg"), Image.open(folder / "backdrop.jpg")
    assert poster.size == (600, 900) and backdrop.size == (1280, 720)
    for img in (poster, backdrop):
        colours = img.convert("RGB").resize((60, 90)).getcolors(maxcolors=60 * 90)
        assert colours is None or len(colours) > 300, "looks like a plain gradient, not a video frame"
    left = ImageStat.Stat(backdrop.crop((0, 0, 200, 360)).convert("L")).mean[0]
    right = ImageStat.Stat(backdrop.crop((1080, 0, 1280, 360)).convert("L")).mean[0]
    assert left < right - 20, (left, right)
    with Backend(tmp_path, settings=FAST_SETTINGS, ingest_worker=False) as backend:
        title = httpx.get(f"{backend.api_url}/api/v1/titles/art-one").json()
        got = httpx.get(title["backdrop_url"])
        assert got.status_code == 200 and got.content == (folder / "backdrop.jpg").read_bytes()


def test_no_frame_falls_back_to_a_gradient(tmp_path: Path) -> None:
    """Without a video to take a frame from, both pictures are still written (a gradient from the name)."""
    from backend_stub.encode.artwork import write_title_art

    write_title_art(tmp_path, video=tmp_path / "missing.mp4", duration_s=10, name="No Video", ffmpeg="ffmpeg",
                    work_dir=tmp_path)
    assert Image.open(tmp_path / "artwork.jpg").size == (600, 900)
    assert Image.open(tmp_path / "backdrop.jpg").size == (1280, 720)

"""Trick-play sprite sheets (issue 18): real ffmpeg sheets, listed in both manifests, read back by our parsers."""
from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from backend_stub.encode import make_test_title
from backend_stub.encode.thumbnails import SpriteSpec, patch_master, patch_mpd, write_sprites
from backend_stub.encode.tools import find_tools
from player.manifest import load_presentation, parse_dash, parse_master, parse_media
from player.thumbnails import tile_at

COLOURS = {"red": (255, 0, 0), "lime": (0, 255, 0), "blue": (0, 0, 255), "white": (255, 255, 255)}
MPD = ('<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" '
       'mediaPresentationDuration="PT8S"><Period id="0"></Period></MPD>')


def _four_colours(ffmpeg: str, out: Path) -> None:
    """8 s: red, lime, blue, white for 2 s each, a keyframe every 2 s (as the encoder cuts segments)."""
    inputs = [arg for c in COLOURS for arg in ("-f", "lavfi", "-i", f"color=c={c}:s=64x36:r=10:d=2")]
    subprocess.run([ffmpeg, "-v", "error", "-y", *inputs, "-filter_complex", "concat=n=4:v=1:a=0",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "20", "-keyint_min", "20", "-sc_threshold", "0",
                    "-pix_fmt", "yuv420p", str(out)], check=True, capture_output=True)


def _close(pixel: tuple[int, ...], want: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, want))


def test_each_time_maps_to_the_tile_drawn_from_that_time(tmp_path: Path) -> None:
    """Sheets of 2×1 tiles from a four-colour clip: the MPD lists two sheets, and the tile our player picks for
    each second shows that second's colour (order of tiles, sheets and the time maths all checked at once)."""
    ffmpeg = find_tools().ffmpeg
    _four_colours(ffmpeg, tmp_path / "clip.mp4")
    sprites = write_sprites(ffmpeg, tmp_path / "clip.mp4", tmp_path, SpriteSpec(interval_s=2, tile_width=32, cols=2, rows=1))
    assert sprites.count == 2 and sprites.sheet_size == (64, 18)
    thumbs = parse_dash(patch_mpd(MPD, sprites), "http://cdn.test/c/tok/t/manifest.mpd").thumbnails
    assert thumbs is not None and (thumbs.cols, thumbs.rows, thumbs.tile_width, thumbs.tile_height) == (2, 1, 32, 18)
    assert [s.urls[0] for s in thumbs.sheets] == ["http://cdn.test/c/tok/t/thumbs/1.jpg", "http://cdn.test/c/tok/t/thumbs/2.jpg"]
    for second, colour in zip((1.0, 3.0, 5.0, 7.9), COLOURS.values()):
        tile = tile_at(thumbs, second)
        assert tile is not None
        with Image.open(tmp_path / "thumbs" / tile.url.rsplit("/", 1)[1]) as sheet:
            pixel = sheet.convert("RGB").getpixel((tile.x + tile.width // 2, tile.y + tile.height // 2))
        assert _close(pixel, colour), (second, pixel, colour)


def test_an_encoded_title_lists_its_sheets_in_dash_and_hls(tmp_path: Path) -> None:
    """The real pipeline writes a 5×5 sheet of 160×90 tiles; the MPD's image track and the HLS image playlist name
    it, and the video, audio and variant lists our parsers read are the same as without it."""
    info = make_test_title(tmp_path, "thumbs-a", seconds=6, heights=(144, 240))
    with Image.open(info.folder / "thumbs" / "1.jpg") as sheet:
        assert sheet.size == (800, 450)
        assert sheet.convert("L").crop((0, 0, 480, 90)).getextrema()[1] > 100  # three tiles drawn
    mpd = parse_dash((info.dash).read_text(), "http://cdn.test/c/tok/thumbs-a/manifest.mpd")
    thumbs = mpd.thumbnails
    assert thumbs is not None
    assert (thumbs.cols, thumbs.rows, thumbs.tile_width, thumbs.tile_height, thumbs.tile_duration_s) == (5, 5, 160, 90, 2.0)
    assert [s.urls[0].rsplit("/", 2)[1:] for s in thumbs.sheets] == [["thumbs", "1.jpg"]]
    assert [t.kind for t in mpd.periods[0].tracks] == ["video", "audio"]
    assert sorted(r.height or 0 for r in mpd.video_track().renditions) == [144, 240]  # type: ignore[union-attr]
    master_text = info.hls.read_text()
    assert '#EXT-X-IMAGE-STREAM-INF:' in master_text and 'URI="thumbs.m3u8"' in master_text
    master = parse_master(master_text, "http://cdn.test/t/master.m3u8")
    assert [v.uri.rsplit("/", 1)[1] for v in master.variants] == ["v144.m3u8", "v240.m3u8"]
    images_text = (info.folder / "thumbs.m3u8").read_text()
    assert "#EXT-X-TILES:RESOLUTION=160x90,LAYOUT=5x5,DURATION=2.000" in images_text
    images = parse_media(images_text, "http://cdn.test/t/thumbs.m3u8")
    assert [(s.urls[0], s.duration_s) for s in images.segments] == [("http://cdn.test/t/thumbs/1.jpg", 6.0)]

    async def from_disk(url: str, *_: object) -> bytes:
        return (info.folder / url.removeprefix("http://cdn.test/t/")).read_bytes()

    hls = asyncio.run(load_presentation("http://cdn.test/t/master.m3u8", from_disk))
    assert hls.thumbnails is not None and hls.thumbnails.tile_duration_s == 2.0
    assert (hls.thumbnails.cols, hls.thumbnails.rows, hls.thumbnails.tile_width, hls.thumbnails.tile_height) == (5, 5, 160, 90)
    assert [s.urls[0] for s in hls.thumbnails.sheets] == ["http://cdn.test/t/thumbs/1.jpg"]
    assert len(hls.video_track().renditions) == 2  # type: ignore[union-attr]


def test_a_video_ffmpeg_cannot_read_leaves_the_manifests_untouched(tmp_path: Path) -> None:
    """No sheets, no listing: the title is still published, just without thumbnails."""
    from backend_stub.encode.thumbnails import add_thumbnails

    (tmp_path / "manifest.mpd").write_text(MPD)
    (tmp_path / "master.m3u8").write_text("#EXTM3U\n")
    (tmp_path / "broken.mp4").write_bytes(b"not a video")
    assert add_thumbnails(tmp_path, video=tmp_path / "broken.mp4", duration_s=8, interval_s=2, ffmpeg=find_tools().ffmpeg) is None
    assert (tmp_path / "manifest.mpd").read_text() == MPD and (tmp_path / "master.m3u8").read_text() == "#EXTM3U\n"
    assert not (tmp_path / "thumbs").exists() and not (tmp_path / "thumbs.m3u8").exists()


def test_manifest_patches_are_additive() -> None:
    """Patching keeps every existing line; a manifest without a Period is refused rather than left unlisted."""
    from backend_stub.encode.thumbnails import Sprites

    sprites = Sprites(spec=SpriteSpec(interval_s=2), tile_height=90, count=1, bytes_total=30000)
    assert patch_mpd(MPD, sprites).startswith(MPD.split("</Period>")[0])
    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n"
    assert patch_master(master, sprites).startswith(master)
    with pytest.raises(ValueError):
        patch_mpd("<MPD/>", sprites)

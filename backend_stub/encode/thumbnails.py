"""Trick-play thumbnails (issue 18): JPEG sprite sheets from the video, listed in both manifests.

One tile per segment (keyframes sit every ``segment_s``, so ffmpeg decodes only keyframes:
``-skip_frame nokey`` makes this a tiny fraction of the encode), ``cols``×``rows`` tiles per sheet.
Sheets go to ``thumbs/<n>.jpg`` beside the media, so the edges serve them under the same signed
path as every other file. Shaka Packager knows nothing of image tracks, so the manifests it wrote
are patched afterwards:

- DASH: a DASH-IF IOP §6.2.6 thumbnail AdaptationSet (``contentType="image"``, EssentialProperty
  ``http://dashif.org/thumbnail_tile`` = ``COLSxROWS``, SegmentTemplate with one sheet per segment);
- HLS: ``#EXT-X-IMAGE-STREAM-INF`` in the master and an image media playlist with ``#EXT-X-TILES``
  (Roku/Apple image media playlist convention).
"""
from __future__ import annotations

import logging
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .runner import run_short

THUMBS_DIR = "thumbs"
THUMBS_PLAYLIST = "thumbs.m3u8"
TILE_SCHEME = "http://dashif.org/thumbnail_tile"
TIMEOUT_S = 120
log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class SpriteSpec:
    """Tile grid and size: 160 px wide tiles (the seek-bar preview), 5×5 per sheet."""

    interval_s: float
    tile_width: int = 160
    cols: int = 5
    rows: int = 5

    @property
    def sheet_s(self) -> float:
        """Media time one full sheet covers."""
        return self.interval_s * self.cols * self.rows


@dataclass(frozen=True, kw_only=True)
class Sprites:
    """What was written: ``count`` sheets of ``cols*tile_w`` × ``rows*tile_h`` pixels."""

    spec: SpriteSpec
    tile_height: int
    count: int
    bytes_total: int

    @property
    def sheet_size(self) -> tuple[int, int]:
        return self.spec.tile_width * self.spec.cols, self.tile_height * self.spec.rows


def sprite_command(ffmpeg: str, video: Path, out_dir: Path, spec: SpriteSpec) -> list[str]:
    """ffmpeg argv: keyframes only (one per ``interval_s``), scaled to the tile width, tiled into sheets."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-skip_frame", "nokey", "-i", str(video),
        "-vf", f"scale={spec.tile_width}:-2:flags=bilinear,setsar=1,tile={spec.cols}x{spec.rows}",
        "-fps_mode", "passthrough", "-an", "-q:v", "5", "-start_number", "1", str(out_dir / "%d.jpg"),
    ]


def write_sprites(ffmpeg: str, video: Path, title_dir: Path, spec: SpriteSpec) -> Sprites:
    """Sheets under ``title_dir/thumbs``; raises ``subprocess.CalledProcessError`` when ffmpeg fails."""
    out = title_dir / THUMBS_DIR
    out.mkdir(parents=True, exist_ok=True)
    run_short(sprite_command(ffmpeg, video, out, spec), timeout_s=TIMEOUT_S)
    sheets = sorted(out.glob("*.jpg"), key=lambda p: int(p.stem))
    if not sheets:
        raise subprocess.CalledProcessError(1, "ffmpeg", b"", b"no sprite sheet written")
    with Image.open(sheets[0]) as first:
        tile_h = first.height // spec.rows
    return Sprites(spec=spec, tile_height=tile_h, count=len(sheets), bytes_total=sum(p.stat().st_size for p in sheets))


def _bandwidth(sprites: Sprites) -> int:
    """Average bits per second of the sheets (both manifests require a bandwidth)."""
    return max(1, math.ceil(sprites.bytes_total * 8 / max(sprites.spec.sheet_s * sprites.count, 1e-3)))


def mpd_adaptation_set(sprites: Sprites) -> str:
    """The thumbnail AdaptationSet (DASH-IF IOP §6.2.6); ``duration`` is one sheet in seconds."""
    spec = sprites.spec
    w, h = sprites.sheet_size
    return (
        f'<AdaptationSet id="thumbnails" contentType="image" mimeType="image/jpeg">'
        f'<SegmentTemplate media="{THUMBS_DIR}/$Number$.jpg" timescale="1000" '
        f'duration="{round(spec.sheet_s * 1000)}" startNumber="1"/>'
        f'<Representation id="thumbnails" bandwidth="{_bandwidth(sprites)}" width="{w}" height="{h}" sar="1:1">'
        f'<EssentialProperty schemeIdUri="{TILE_SCHEME}" value="{spec.cols}x{spec.rows}"/>'
        f"</Representation></AdaptationSet>"
    )


def patch_mpd(text: str, sprites: Sprites) -> str:
    """Insert the thumbnail AdaptationSet at the end of every Period (VOD titles have one)."""
    if "</Period>" not in text:
        raise ValueError("MPD has no Period to add thumbnails to")
    return text.replace("</Period>", mpd_adaptation_set(sprites) + "</Period>")


def image_playlist(sprites: Sprites, duration_s: float) -> str:
    """The image media playlist: one ``#EXTINF`` + ``#EXT-X-TILES`` per sheet; the last is shorter."""
    spec = sprites.spec
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{math.ceil(spec.sheet_s)}",
             "#EXT-X-MEDIA-SEQUENCE:1", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-IMAGES-ONLY"]
    for n in range(sprites.count):
        length = max(0.001, min(spec.sheet_s, duration_s - n * spec.sheet_s))
        lines += [f"#EXTINF:{length:.3f},",
                  f"#EXT-X-TILES:RESOLUTION={spec.tile_width}x{sprites.tile_height},"
                  f"LAYOUT={spec.cols}x{spec.rows},DURATION={spec.interval_s:.3f}",
                  f"{THUMBS_DIR}/{n + 1}.jpg"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


def patch_master(text: str, sprites: Sprites) -> str:
    """Append the ``#EXT-X-IMAGE-STREAM-INF`` line naming the image playlist."""
    w, h = sprites.sheet_size
    line = (f'#EXT-X-IMAGE-STREAM-INF:BANDWIDTH={_bandwidth(sprites)},RESOLUTION={w}x{h},'
            f'CODECS="jpeg",URI="{THUMBS_PLAYLIST}"')
    return text.rstrip("\n") + "\n" + line + "\n"


def add_thumbnails(title_dir: Path, *, video: Path, duration_s: float, interval_s: float, ffmpeg: str) -> Sprites | None:
    """Sheets from ``video`` plus both manifests patched to list them (run after packaging).

    When ffmpeg cannot make the sheets the title is published without thumbnails (None, logged):
    like artwork, trick-play is not worth failing an encode for, and the manifests are only
    patched once the sheets exist.
    """
    try:
        sprites = write_sprites(ffmpeg, video, title_dir, SpriteSpec(interval_s=interval_s))
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(title_dir / THUMBS_DIR, ignore_errors=True)
        log.warning("no thumbnails for %s: %s", title_dir.name, type(exc).__name__)
        return None
    mpd = title_dir / "manifest.mpd"
    mpd.write_text(patch_mpd(mpd.read_text(encoding="utf-8"), sprites), encoding="utf-8")
    (title_dir / THUMBS_PLAYLIST).write_text(image_playlist(sprites, duration_s), encoding="utf-8")
    master = title_dir / "master.m3u8"
    master.write_text(patch_master(master.read_text(encoding="utf-8"), sprites), encoding="utf-8")
    return sprites

"""A display matrix turns the picture as plain libmpv turns it (a phone's portrait clip, ffmpeg's ``-display_rotation``).

The stream we feed libmpv (MPEG-TS, or our Matroska) cannot carry the ``tkhd`` matrix, so the play tells libmpv
(``video-rotate``) what the init says. Before, the clip played sideways with ``complete: true`` and exit 0.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import corpus
import mpv
import pytest
from corpus_encode import ffmpeg, inputs, run
from session_watch import play_watching

from player.feed.isobmff import display_rotation
from player.playback import SessionOptions

TURNED = [k for k in corpus.kinds().values() if k.rotation]


def _reelbox_rotation(url: str) -> tuple[int | None, dict[str, Any]]:
    """libmpv's ``video-params/rotate`` at the first picture of our play, and the play's report."""
    report, params = asyncio.run(play_watching(url, SessionOptions(mpv_options={"speed": 4}),
                                               lambda output: output.property("video-params")))
    return (params.get("rotate") if params else None), report


def _plain_libmpv_rotation(url: str) -> int | None:
    player = mpv.MPV(vo="null", ao="null", ytdl=False, load_scripts=False)
    try:
        player.play(url)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            params = player.video_params  # at first it may be there without ``rotate`` yet
            if params and "rotate" in params:
                return int(params["rotate"])
            time.sleep(0.02)
        return None
    finally:
        player.terminate()


@pytest.mark.parametrize("kind", TURNED, ids=lambda k: k.name)
def test_the_first_picture_is_turned_as_plain_libmpv_turns_it(corpus_url: str, kind: corpus.Kind) -> None:
    url = f"{corpus_url}/{kind.manifest}"
    rotation, report = _reelbox_rotation(url)
    assert report["complete"] is True, report["errors"]
    assert _plain_libmpv_rotation(url) == kind.rotation
    assert rotation == kind.rotation


@pytest.mark.parametrize("turn,clockwise", [(0, 0), (90, 270), (180, 180), (-90, 90)])
def test_display_rotation_reads_the_matrix_ffmpeg_wrote(tmp_path: Path, turn: int, clockwise: int) -> None:
    """ffmpeg's ``-display_rotation`` is counter-clockwise; libmpv's ``rotate`` (and ours) clockwise."""
    run(inputs(size="64x36", seconds=1) + ["-map", "0:v", "-c:v", "libx264", "-preset", "ultrafast", "clip.mp4"], tmp_path)
    run([ffmpeg(), "-loglevel", "error", "-y", "-display_rotation", str(turn), "-i", "clip.mp4", "-c", "copy",
         "-movflags", "frag_keyframe+empty_moov", "turned.mp4"], tmp_path)
    assert display_rotation((tmp_path / "turned.mp4").read_bytes()) == clockwise


def test_no_video_track_or_no_moov_is_no_turn(corpus_root: Path) -> None:
    assert display_rotation((corpus_root / "dash-rotated" / "init-1.m4s").read_bytes()) == 0  # the audio init
    assert display_rotation(b"\x00\x00\x00\x08free") == 0

"""A segment cut short at a packet boundary passes every check on its bytes; the remuxer sees the hole it leaves."""
from __future__ import annotations

import subprocess

import imageio_ffmpeg
import pytest

from player.feed.remux import Remuxer

SEGMENT_S = 2


@pytest.fixture(scope="module")
def ts_segments(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Four 2 s MPEG-TS segments (H.264 + AAC) as ffmpeg's HLS muxer writes them."""
    out = tmp_path_factory.mktemp("holes")
    subprocess.run([
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
        "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "8",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
        "-c:a", "aac", "-shortest", "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod",
        str(out / "index.m3u8")], check=True)
    return [(out / f"index{i}.ts").read_bytes() for i in range(4)]


def _holes(segments: list[bytes]) -> list[tuple[str, float, float]]:
    remuxer = Remuxer(tracks=("video",))  # audio rides inside the TS segments
    for i, data in enumerate(segments):
        remuxer.add_segment("video", b"", data, rendition_id="v", start_s=i * SEGMENT_S)
    remuxer.flush()
    return [(h.kind, round(h.from_s, 1), round(h.to_s, 1)) for h in remuxer.holes]


def test_whole_segments_leave_no_hole(ts_segments) -> None:
    """Segments as the encoder wrote them: no hole on either track."""
    assert _holes(ts_segments) == []


def test_a_segment_cut_in_half_leaves_a_hole_on_each_track(ts_segments) -> None:
    """Segment 2 (4–6 s) cut to half its packets: about 1 s missing on video and audio before 6 s."""
    cut = ts_segments[2][: len(ts_segments[2]) // 188 // 2 * 188]
    holes = _holes([*ts_segments[:2], cut, ts_segments[3]])
    assert {kind for kind, _, _ in holes} == {"video", "audio"}
    for _, start, end in holes:
        assert 4.5 <= start <= 5.5 and end == 6.0

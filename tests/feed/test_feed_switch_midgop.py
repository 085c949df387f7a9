"""A rendition switch onto a segment that does not start with a keyframe (ffmpeg ``-hls_flags split_by_time``)."""
from __future__ import annotations

import subprocess

import imageio_ffmpeg
import pytest
from feedkit import play_to_end

from player.feed.remux import Remuxer

GOP_S, SEGMENT_S = 4, 2  # every other segment starts mid-GOP


@pytest.fixture(scope="module")
def midgop_ts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[bytes]]:
    """Two H.264 TS renditions (320x180, 640x360) cut every 2 s by time, keyframes every 4 s."""
    out = tmp_path_factory.mktemp("midgop")
    renditions = {}
    for name, size in (("lo", "320x180"), ("hi", "640x360")):
        subprocess.run([
            imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
            "-i", f"testsrc2=size={size}:rate=25", "-t", "8", "-c:v", "libx264", "-preset", "ultrafast",
            "-g", str(GOP_S * 25), "-keyint_min", str(GOP_S * 25), "-sc_threshold", "0", "-f", "hls",
            "-hls_time", str(SEGMENT_S), "-hls_flags", "split_by_time", "-hls_playlist_type", "vod",
            str(out / f"{name}.m3u8")], check=True)
        renditions[name] = [(out / f"{name}{i}.ts").read_bytes() for i in range(4)]
    return renditions


def _remux(segments: list[tuple[str, bytes]]) -> tuple[bytes, Remuxer]:
    remuxer = Remuxer(tracks=("video",))
    out = bytearray()
    for i, (rid, data) in enumerate(segments):
        remuxer.add_segment("video", b"", data, rendition_id=rid, start_s=i * SEGMENT_S)
        out += remuxer.read()
    remuxer.flush()
    return bytes(out + remuxer.read()), remuxer


def test_switch_mid_gop_drops_frames_to_the_keyframe_and_decodes_cleanly(midgop_ts) -> None:
    """lo, hi (mid-GOP), hi, lo (mid-GOP): the frames before each keyframe are dropped and reported; 0 decoder errors."""
    lo, hi = midgop_ts["lo"], midgop_ts["hi"]
    stream, remuxer = _remux([("lo", lo[0]), ("hi", hi[1]), ("hi", hi[2]), ("lo", lo[3])])
    assert [(d.rendition_id, round(d.at_s), round(d.seconds)) for d in remuxer.dropped] == [("hi", 2, 2), ("lo", 6, 2)]
    sizes, end, decoder_errors = play_to_end(stream)
    assert decoder_errors == 0
    assert sizes == [(320, 180), (640, 360)]  # segment 3 (lo, no keyframe) was dropped whole
    assert end is not None and end.reason == "eof"


def test_without_the_drop_the_same_switch_breaks_decoding(midgop_ts) -> None:
    """Negative control: the same bytes remuxed as one rendition (no switch seen) give decoder errors."""
    lo, hi = midgop_ts["lo"], midgop_ts["hi"]
    stream, remuxer = _remux([("x", lo[0]), ("x", hi[1]), ("x", hi[2]), ("x", lo[3])])
    assert remuxer.dropped == []
    _, _, decoder_errors = play_to_end(stream)
    assert decoder_errors > 0

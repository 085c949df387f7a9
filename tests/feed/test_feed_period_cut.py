"""A DASH Period's media past the next Period's start: cut as MSE's append window cuts it (decode order for video),
but a frame that starts before the end stays whole."""
from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

from player.feed.remux import PeriodWindow, Remuxer, _cut_at
from player.feed.segment_reader import DemuxedSegment, Sample

FRAME = 3003  # 29.97 fps on the 90 kHz clock


def _video(order: list[int]) -> DemuxedSegment:
    """Frames in decode order, each given by its presentation index."""
    samples = tuple(Sample(pts=i * FRAME, dts=n * FRAME, duration=FRAME, data=b"", keyframe=i == 0) for n, i in enumerate(order))
    return DemuxedSegment(kind="video", codec="h264", extradata=b"", samples=samples, protected=False)


def test_media_a_few_milliseconds_longer_than_its_period_loses_nothing() -> None:
    """120 frames at 29.97 fps (4.004 s) in a 4 s Period: the last starts at 3.970 s, before the end, and stays."""
    part = _video(list(range(120)))
    assert _cut_at(part, 4 * 90_000) is part


def test_video_is_cut_from_the_first_frame_past_the_end_in_decode_order() -> None:
    """I P B B P B B (presentation 0 3 1 2 6 4 5), Period end at frame 5's start: P6 is the first past the end in
    decode order, so B4 after it goes too (it may refer to P6). Audio is cut frame by frame; one that starts before
    the end (frame 5 of 10, the end inside it) stays whole."""
    part = _video([0, 3, 1, 2, 6, 4, 5])
    kept = _cut_at(part, 5 * FRAME)
    assert [s.pts // FRAME for s in kept.samples] == [0, 3, 1, 2]
    audio = DemuxedSegment(kind="audio", codec="aac", extradata=b"", protected=False,
                           samples=tuple(Sample(pts=i * 1920, dts=i * 1920, duration=1920, data=b"", keyframe=True)
                                         for i in range(10)))
    assert [s.pts for s in _cut_at(audio, 5 * 1920 + 1000).samples] == [i * 1920 for i in range(6)]


def test_a_stream_that_starts_inside_a_gop_names_the_picture_it_lacks(tmp_path: Path) -> None:
    """A new stream part (after a codec change) whose Period starts at 1 s inside a 4 s segment with keyframes every
    2 s: its picture can start only at 2 s. Nothing was fed before to measure the gap by, so the cut itself names it
    (an HEVC ad between two halves of one H.264 encode played on with exit 0 and that second lost)."""
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                    "-i", "testsrc2=size=160x90:rate=25:duration=4", "-f", "lavfi", "-i", "sine=sample_rate=48000:duration=4",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-c:a", "aac", "-f", "mpegts",
                    str(tmp_path / "s.ts")], check=True)
    remuxer = Remuxer(tracks=("video",))
    remuxer.add_segment("video", b"", (tmp_path / "s.ts").read_bytes(), rendition_id="v", start_s=0.0, timeline=2,
                        window=PeriodWindow(1.0, None))
    remuxer.flush()
    assert [(h.kind, h.from_s, round(h.to_s, 1)) for h in remuxer.holes] == [("video", 1.0, 2.0)]

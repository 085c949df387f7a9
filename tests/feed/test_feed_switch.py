"""Rendition switches through the remuxer decode cleanly, on ffmpeg's and on Shaka Packager's CMAF."""
from __future__ import annotations

import io

import av
import pytest
from feedkit import decoded_size_runs, play_to_end, remux_plan

LO, HI = (320, 180), (640, 360)
FRAMES_PER_SEGMENT = 50  # 2 s at 25 fps


def test_remuxed_switch_decodes_every_frame_at_the_rendition_size(package) -> None:
    """Forced lo → hi → lo: PyAV decodes every frame strictly, at the size of the rendition it came from."""
    ts = remux_plan(package, [0, 1, 0])
    assert decoded_size_runs(ts) == [(LO, FRAMES_PER_SEGMENT), (HI, FRAMES_PER_SEGMENT), (LO, FRAMES_PER_SEGMENT)]


def test_libmpv_follows_switches_without_decoder_errors(package) -> None:
    """libmpv's video-params follow lo → hi → lo and its log has no decoder error; the stream ends with eof."""
    sizes, end, decoder_errors = play_to_end(remux_plan(package, [0, 1, 0]))
    assert sizes == [LO, HI, LO]
    assert decoder_errors == 0
    assert end is not None and end.reason == "eof"


def test_plain_concatenation_is_caught_by_the_same_checks(package) -> None:
    """Negative control: fMP4 init+segment concatenation across a switch gives decoder errors and no size change."""
    concat = b"".join(package.video[r].init + package.video[r].segments[i] for i, r in enumerate([0, 1, 0]))
    sizes, end, decoder_errors = play_to_end(concat, demuxer_format=None)
    assert decoder_errors > 0
    assert sizes != [LO, HI, LO]


def test_timestamps_continue_across_switches(package) -> None:
    """Video PTS run without gaps from the first to the last segment (tfdt-based, across renditions)."""
    ts = remux_plan(package, [1, 0, 1, 0], first=1)
    with av.open(io.BytesIO(ts), format="mpegts") as container:
        pts = sorted(p.pts for p in container.demux(video=0) if p.pts is not None)
    steps = {b - a for a, b in zip(pts, pts[1:])}
    assert steps == {3600}  # 25 fps on the 90 kHz clock
    assert len(pts) == 4 * FRAMES_PER_SEGMENT
    assert 2.0 <= pts[0] / 90000 < 2.2


def test_audio_rendition_switch_with_another_sample_rate(ffmpeg_package) -> None:
    """Switching audio 48 kHz → 44.1 kHz → 48 kHz mid-stream decodes in PyAV and plays in libmpv without errors."""
    ts = remux_plan(ffmpeg_package, [0, 0, 0], audio_plan=[0, 1, 0])
    with av.open(io.BytesIO(ts), format="mpegts") as container:
        stream = container.streams.audio[0]
        stream.codec_context.options = {"err_detect": "explode"}
        rates = [f.sample_rate for f in container.decode(stream)]
    runs = [r for i, r in enumerate(rates) if i == 0 or rates[i - 1] != r]
    assert runs == [48000, 44100, 48000]
    assert 5.5 < sum(1024 / r for r in rates) < 6.5
    _, end, decoder_errors = play_to_end(ts)
    assert decoder_errors == 0 and end is not None and end.reason == "eof"


def test_interleaving_keeps_tracks_close_in_the_byte_stream(package) -> None:
    """Audio and video packets come out interleaved by DTS (within half a second), though segment boundaries differ."""
    ts = remux_plan(package, [0, 1, 0])
    worst = 0.0
    last = {"video": None, "audio": None}
    with av.open(io.BytesIO(ts), format="mpegts") as container:
        for packet in container.demux():
            if packet.dts is None:
                continue
            kind = packet.stream.type
            last[kind] = float(packet.dts * packet.time_base)
            if None not in last.values():
                worst = max(worst, abs(last["video"] - last["audio"]))
    assert None not in last.values()
    assert worst < 0.5


@pytest.mark.parametrize("missing", ["audio", "video"])
def test_nothing_is_muxed_until_every_track_has_data(ffmpeg_package, missing: str) -> None:
    """A segment of one track alone yields no bytes: mpv would otherwise see one track run ahead."""
    from player.feed.remux import Remuxer

    remuxer = Remuxer()
    present = ffmpeg_package.video[0] if missing == "audio" else ffmpeg_package.audio[0]
    remuxer.add_segment("audio" if missing == "video" else "video", present.init, present.segments[0], rendition_id=present.id)
    assert remuxer.read() == b""
    other = ffmpeg_package.audio[0] if missing == "audio" else ffmpeg_package.video[0]
    remuxer.add_segment(missing, other.init, other.segments[0], rendition_id=other.id)
    assert len(remuxer.read()) > 10_000

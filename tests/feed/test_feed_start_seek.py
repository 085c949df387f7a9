"""A file opened at a target inside its first GOP shows the target from that segment alone (issue 19), real libmpv.

Before, the new file showed the GOP's keyframe first and seeked exactly inside mpv's cache, which could
only happen once the *next* segment's keyframe had been demuxed (mpv makes a GOP seekable then): a
restart waited for segment N+1's fetch and remux, and decoded the GOP twice. Now libmpv opens the file
with its own start seek (``MuxFeed`` → ``MpvOutput.seek_at_open``) and its hr-seek drops the frames
before the target: these tests push only the target's segment, so without that the first frame never comes.
"""
from __future__ import annotations

import time
from typing import Any

import pytest
from feedkit import KEY

from player.feed.events import EndOfFile, FirstFrame, LogProblem
from player.feed.mpv_output import MpvOutput
from player.feed.mux_feed import START_SEEK_MARGIN_S, MuxFeed

WAIT_S = 5.0  # the first frame takes ~20-40 ms; a file waiting for a segment that never comes shows none


def _add(feed: MuxFeed, package: Any, index: int, *, key: bytes | None = None) -> None:
    for rendition in (package.video[-1], package.audio[0]):
        feed.add(rendition.kind, rendition.init, rendition.segments[index], key=key, rendition_id=rendition.id,
                 start_s=rendition.starts_s[index])


def _restart_alone(package: Any, target_s: float, *, key: bytes | None = None) -> None:
    """Play segment 0, restart at ``target_s`` with only its segment pushed: its first frame is the target,
    clean; then the rest plays to the end of the stream."""
    index = max(i for i, start in enumerate(package.video[-1].starts_s) if start <= target_s)
    with MpvOutput(options={"speed": 4}) as output:
        feed = MuxFeed(("video", "audio"), output)
        output.start(0.0)
        _add(feed, package, 0, key=key)
        assert output.wait_for(lambda e: isinstance(e, FirstFrame), 10) is not None
        generation = feed.restart(target_s)
        _add(feed, package, index, key=key)
        problems: list[LogProblem] = []

        def first_frame(event: object) -> bool:
            if isinstance(event, LogProblem):
                problems.append(event)
            return isinstance(event, FirstFrame) and event.generation == generation

        first = output.wait_for(first_frame, WAIT_S)
        assert isinstance(first, FirstFrame), "no first frame from the target's segment alone"
        assert first.position_s == pytest.approx(target_s, abs=0.005)  # mpv's hr-seek tolerance
        assert output.property("time-pos") == pytest.approx(target_s, abs=0.005)  # still paused on it
        assert output.decoder_errors == 0
        assert [p.text for p in problems if p.level == "error"] == []
        time.sleep(0.2)
        for rest in range(index + 1, len(package.video[-1].segments)):
            _add(feed, package, rest, key=key)
        feed.finish()
        end = output.wait_for(lambda e: isinstance(e, EndOfFile) and e.generation == generation, 10)
        assert isinstance(end, EndOfFile) and end.reason == "eof"
        assert output.decoder_errors == 0


@pytest.mark.parametrize("target_s", [8.6, 9.0])
def test_a_restart_inside_a_gop_shows_its_target_from_that_segment_alone(ffmpeg_package, target_s: float) -> None:
    """Mid-GOP (8-10 s, 25 fps). The GOP's last few frames need the next packets as before: the decoder holds
    them (frame threads) until more come or the stream ends."""
    _restart_alone(ffmpeg_package, target_s)


def test_b_frames_and_an_independent_packager(shaka_package) -> None:
    """Shaka Packager's segments with B-frames (composition offsets: decode order is not display order)."""
    _restart_alone(shaka_package, 5.0)


def test_protected_segments_decrypted_before_the_remux(ffmpeg_cenc_package) -> None:
    """CENC, decrypted by us before the remux: the same path."""
    _restart_alone(ffmpeg_cenc_package, 9.0, key=KEY)


def test_a_keyframe_bigger_than_mpvs_stream_buffer(big_keyframe_package) -> None:
    """libavformat's start seek goes back to byte 0 after reading past the keyframe; mpv keeps 64 KiB behind its
    reader, so a ~250 kB keyframe is read again from the stream's kept head (``StreamQueue(rewindable=True)``);
    without it the keyframe was lost (186 decoder errors, no first frame)."""
    _restart_alone(big_keyframe_package, 3.0)


def test_a_target_close_after_the_keyframe_is_shown_as_before(ffmpeg_package) -> None:
    """Within ``START_SEEK_MARGIN_S`` of the keyframe, no start seek: the keyframe is shown (a segment start) or
    the exact seek waits for the next segment's keyframe, as before."""
    assert START_SEEK_MARGIN_S > 0.04  # one frame at 25 fps
    _restart_alone(ffmpeg_package, 8.0)

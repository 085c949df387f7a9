"""A seek inside what libmpv has cached needs no new stream (issue 19), real libmpv with vo=null ao=null.

Before, every seek opened a new stream at the segment's keyframe and waited for the next segment's
keyframe (three segments per track fetched and remuxed) although the target was often buffered already.
"""
from __future__ import annotations

import threading
import time

import pytest

from player.feed.cache_poll import poll_until
from player.feed.events import FirstFrame
from player.feed.mpv_output import MpvOutput
from player.feed.mux_feed import KEYFRAME_NUDGE_S, MuxFeed, keyframe_at
from player.feed.start_phase import Phase, StartPhases, Step, seekable

GOP = 180_000  # 2 s at 90 kHz
FRAME = 3750  # 24 fps


def test_a_target_just_before_a_keyframe_seeks_to_the_keyframe() -> None:
    """Less than a frame before a keyframe: the keyframe (nudged past it); elsewhere the target as given."""
    keyframes = [(0, FRAME), (GOP + 1920, FRAME), (2 * GOP + 1920, FRAME)]
    assert keyframe_at(keyframes, 2.0) == pytest.approx((GOP + 1920) / 90_000 + KEYFRAME_NUDGE_S)
    assert keyframe_at(keyframes, 2.5) == 2.5  # mid-GOP: an exact seek
    assert keyframe_at(keyframes, 1.9) == 1.9  # several frames before: those frames are shown
    assert keyframe_at([], 3.0) == 3.0


def test_a_first_frame_on_the_target_needs_no_exact_seek() -> None:
    """A start whose keyframe is the target is shown at once; one before it waits for the cache seek."""
    on_target = StartPhases()
    on_target.load(10.0)
    assert on_target.restarted({}, 10.0213) is Step.RESTORE_AND_FIRST_FRAME
    assert on_target.phase is Phase.PLAYING
    before = StartPhases()
    before.load(11.0)
    assert before.restarted({}, 10.0213) is Step.NONE
    assert before.phase is Phase.CACHE
    hr_seek = StartPhases()  # mpv's start seek: its hr-seek shows a frame up to 5 ms before the target
    hr_seek.load(11.0)
    assert hr_seek.restarted({}, 10.996) is Step.RESTORE_AND_FIRST_FRAME


def test_seek_inside_the_cache_keeps_the_stream(ffmpeg_package) -> None:
    """A buffered target is shown by the same file (same generation, no new stream); one past the cache is refused."""
    with MpvOutput(readahead_s=30.0) as output:  # as a session sets it: its buffer capacity
        feed = MuxFeed(("video", "audio"), output)
        generation = output.start(0.0)
        for index in range(5):  # 0-10 s
            video, audio = ffmpeg_package.video[0], ffmpeg_package.audio[0]
            feed.add("video", video.init, video.segments[index], key=None, rendition_id=video.id)
            feed.add("audio", audio.init, audio.segments[index], key=None, rendition_id=audio.id)
        assert output.wait_for(lambda e: isinstance(e, FirstFrame), 10) is not None
        stream = output._protocol.current
        assert feed.seek_cached(30.0) is None  # not pushed: the caller restarts
        for target in (6.0, 3.3):
            assert output.wait_for(lambda e: False, 0.3) is None  # let the cache state settle
            assert feed.seek_cached(target) == generation
            first = output.wait_for(lambda e: isinstance(e, FirstFrame), 10)
            assert isinstance(first, FirstFrame) and first.generation == generation
            assert first.position_s == pytest.approx(target, abs=0.1)  # priming shift + a frame played
        assert output._protocol.current is stream
        assert (output.property("demuxer-cache-state") or {}).get("debug-low-level-seeks") == 0
        assert output.decoder_errors == 0


def test_a_target_before_a_file_that_began_mid_title_is_not_in_its_cache(ffmpeg_package) -> None:
    """A stream started at 6 s (a live start, a resume, an earlier seek) holds nothing before it although libmpv
    says ``bof-cached``: a seek to 2 s must restart (it landed on 6 s: a live timeshift went back 3 s, not 10)."""
    bof = {"bof-cached": True, "seekable-ranges": [{"start": 6.02, "end": 10.0}]}
    assert seekable(bof, 2.0)  # libmpv's own rule, which the start phases keep
    assert not seekable(bof, 2.0, before_start_s=0.25) and seekable(bof, 6.0, before_start_s=0.25)
    with MpvOutput(readahead_s=30.0) as output:
        feed = MuxFeed(("video", "audio"), output)
        output.start(6.0)
        for index in range(3, 5):  # 6-10 s
            video, audio = ffmpeg_package.video[0], ffmpeg_package.audio[0]
            feed.add("video", video.init, video.segments[index], key=None, rendition_id=video.id)
            feed.add("audio", audio.init, audio.segments[index], key=None, rendition_id=audio.id)
        assert output.wait_for(lambda e: isinstance(e, FirstFrame), 10) is not None
        assert output.wait_for(lambda e: False, 0.3) is None  # let the cache state settle
        assert (output.property("demuxer-cache-state") or {}).get("bof-cached")
        assert feed.seek_cached(2.0) is None  # the caller restarts there
        assert feed.seek_cached(7.0) is not None  # inside: 6-8 s is seekable (8-10 s waits for its closing keyframe)


def test_the_cache_poll_stops_when_the_check_is_done_or_at_its_limit() -> None:
    """``poll_until`` calls until the check says done (libmpv notifies cache changes only every 0.25 s)."""
    calls: list[int] = []
    done = threading.Event()

    def check() -> bool:
        calls.append(1)
        if len(calls) == 3:
            done.set()
            return True
        return False

    poll_until(check, interval_s=0.001)
    assert done.wait(5)
    endless: list[int] = []

    def never() -> bool:
        endless.append(1)
        return False

    poll_until(never, interval_s=0.001, limit_s=0.05)
    time.sleep(0.5)
    seen = len(endless)
    time.sleep(0.2)
    assert len(endless) == seen > 0 and len(calls) == 3  # both threads have stopped

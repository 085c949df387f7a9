"""MpvOutput.restart() shows the target even when the segment after it comes late (real libmpv, vo=null ao=null).

The failure this guards against: mpv makes a keyframe's GOP seekable only once the next keyframe
(or the end of the stream) is demuxed. Seeking as soon as ``demuxer-cache-time`` passed the target
turned the exact seek into a low-level seek on the pipe, and the first frame was the *next*
segment's keyframe (seen in tests/player/test_session_e2e.py under load: 10.0 s for a seek to 8.0 s).
"""
from __future__ import annotations

import time
from typing import Any

import pytest
from feedkit import remux_plan

from player.feed.events import EndOfFile, FirstFrame, LogProblem, PositionChanged
from player.feed.mpv_output import MpvOutput
from player.feed.remux import Remuxer

LATE_S = 0.4  # how late the scheduler is with the segment after the target's


def _add_segment(remuxer: Remuxer, package: Any, index: int) -> None:
    for rendition in (package.video[0], package.audio[0]):
        remuxer.add_segment(rendition.kind, rendition.init, rendition.segments[index], rendition_id=rendition.id)


@pytest.mark.parametrize("target_s", [8.0, 9.0])
def test_restart_shows_the_target_when_the_next_segment_comes_late(ffmpeg_package, target_s: float) -> None:
    """Only the target's segment is in mpv when its keyframe is shown: the first frame is still the target and play goes on to the end."""
    with MpvOutput(options={"speed": 4}) as output:
        output.start(0.0)
        output.push(remux_plan(ffmpeg_package, [0], flush=False))
        assert output.wait_for(lambda e: isinstance(e, FirstFrame), 10) is not None
        generation = output.restart(target_s)
        remuxer = Remuxer()
        _add_segment(remuxer, ffmpeg_package, 4)  # 8.0-10.0 s; its GOP is not closed yet
        output.push(remuxer.read())
        # the new file shows the segment's keyframe (paused): mpv has demuxed past the target now
        # (a target on the keyframe is its first frame already: no exact seek waits for the next segment)
        keyframe = output.wait_for(lambda e: isinstance(e, FirstFrame) or (
            isinstance(e, PositionChanged) and e.position_s >= 7.9), 10)
        assert keyframe is not None
        early = keyframe if isinstance(keyframe, FirstFrame) else None
        assert (early is not None) == (target_s == 8.0)
        # the scheduler's order: the next video segment, then (later) its audio, then the end
        video, audio = ffmpeg_package.video[0], ffmpeg_package.audio[0]
        for kind, rendition in (("video", video), ("audio", audio)):
            time.sleep(LATE_S)
            remuxer.add_segment(kind, rendition.init, rendition.segments[5], rendition_id=rendition.id)
            output.push(remuxer.read())
        remuxer.flush()
        output.push(remuxer.read())
        output.end_of_stream()
        problems: list[LogProblem] = []

        def first_frame(event: object) -> bool:
            if isinstance(event, LogProblem) and event.component.startswith("ffmpeg"):
                problems.append(event)
            return isinstance(event, FirstFrame)

        first = early or output.wait_for(first_frame, 10)
        assert isinstance(first, FirstFrame) and first.generation == generation
        assert first.position_s == pytest.approx(target_s, abs=0.041)
        # the exact seek was served from mpv's cache, not passed down to libavformat on the pipe
        assert (output.property("demuxer-cache-state") or {}).get("debug-low-level-seeks") == 0
        assert output.decoder_errors == 0
        assert [p.text for p in problems if p.level == "error"] == []  # no resync on the pipe ("non-existing PPS 0 referenced")
        end = output.wait_for(lambda e: isinstance(e, EndOfFile) and e.generation == generation, 10)
        assert isinstance(end, EndOfFile) and end.reason == "eof"
        assert output.position_s is not None and output.position_s > 11.5  # both segments played, none lost to a failed seek

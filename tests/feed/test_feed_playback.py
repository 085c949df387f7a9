"""MpvOutput drives real libmpv (vo=null ao=null): start position, seek, pause, stall, end, subtitles."""
from __future__ import annotations

import time

import pytest
from feedkit import remux_plan

from player.feed.errors import PlaybackError
from player.feed.events import EndOfFile, FirstFrame, StallChanged
from player.feed.mpv_output import MpvOutput


def _is_first_frame(event: object) -> bool:
    return isinstance(event, FirstFrame)


@pytest.mark.parametrize("start_s", [4.0, 5.0, 5.9])
def test_start_shows_the_exact_position(ffmpeg_package, start_s: float) -> None:
    """start(s) with the segment holding s pushed first: the first frame reported is at s, with no decoder error."""
    with MpvOutput() as output:
        output.start(start_s)
        output.push(remux_plan(ffmpeg_package, [0, 0], first=2, flush=False))
        first = output.wait_for(_is_first_frame, 10)
        assert isinstance(first, FirstFrame) and first.position_s == pytest.approx(start_s, abs=0.041)
        assert output.decoder_errors == 0


def test_restart_seeks_to_a_later_segment(ffmpeg_package) -> None:
    """restart(at) on a new stream from the target segment: first frame at the target, then eof of the new file."""
    with MpvOutput() as output:
        assert output.start(0.0) == 1
        output.push(remux_plan(ffmpeg_package, [0, 1], flush=False))
        assert output.wait_for(_is_first_frame, 10) is not None
        assert output.restart(9.0) == 2
        output.push(remux_plan(ffmpeg_package, [1], first=4))
        output.end_of_stream()
        first = output.wait_for(_is_first_frame, 10)
        assert isinstance(first, FirstFrame) and first.position_s == pytest.approx(9.0, abs=0.041)
        end = output.wait_for(lambda e: isinstance(e, EndOfFile) and e.generation == 2, 10)
        assert isinstance(end, EndOfFile) and end.reason == "eof"
        assert output.position_s is not None and output.position_s > 9.9
        assert output.decoder_errors == 0


def test_pause_holds_the_position_and_resume_moves_it(ffmpeg_package) -> None:
    """pause(True) freezes time-pos in real-time playback; pause(False) lets it advance again."""
    with MpvOutput() as output:
        output.start(0.0)
        output.push(remux_plan(ffmpeg_package, [0, 0], flush=False))
        assert output.wait_for(_is_first_frame, 10) is not None
        time.sleep(0.3)
        output.pause(True)
        time.sleep(0.2)
        held = output.property("time-pos")
        time.sleep(0.5)
        assert output.property("time-pos") == pytest.approx(held, abs=0.001)
        output.pause(False)
        time.sleep(0.5)
        assert output.property("time-pos") > held + 0.3


def test_running_dry_is_reported_as_a_stall_and_recovers(ffmpeg_package) -> None:
    """With one segment pushed, libmpv reports paused-for-cache; more data ends the stall; end of stream → eof."""
    with MpvOutput(realtime=False) as output:
        output.start(0.0)
        output.push(remux_plan(ffmpeg_package, [0], flush=False))
        stall = output.wait_for(lambda e: isinstance(e, StallChanged) and e.stalled, 10)
        assert stall is not None
        output.push(remux_plan(ffmpeg_package, [0, 0], first=1))
        assert output.wait_for(lambda e: isinstance(e, StallChanged) and not e.stalled, 10) is not None
        output.end_of_stream()
        end = output.wait_for(lambda e: isinstance(e, EndOfFile), 10)
        assert isinstance(end, EndOfFile) and end.reason == "eof" and end.generation == 1


def _subtitle_tracks(output: MpvOutput) -> list[tuple[str | None, str | None, bool]]:
    """(title, language, selected) of each sub track, once libmpv lists one (3 s at most)."""
    deadline = time.monotonic() + 3
    subs: list[dict] = []
    while time.monotonic() < deadline and not subs:
        subs = [t for t in output.property("track-list") or [] if t["type"] == "sub"]
        time.sleep(0.05)
    return [(s.get("title"), s.get("lang"), s.get("selected")) for s in subs]


def _playing_with_subtitles(output: MpvOutput, package: object) -> None:
    """English WebVTT added before start(), then the first two segments played to their first frame."""
    output.add_subtitles("WEBVTT\n\n00:00:00.000 --> 00:00:30.000\nHello from Reelbox\n", title="English", lang="en")
    output.start(0.0)
    output.push(remux_plan(package, [0, 1], flush=False))
    assert output.wait_for(_is_first_frame, 10) is not None


def test_webvtt_track_is_added_and_shown(ffmpeg_package) -> None:
    """add_subtitles() before start() gives libmpv a selected sub track with our title and language."""
    with MpvOutput() as output:
        _playing_with_subtitles(output, ffmpeg_package)
        assert _subtitle_tracks(output) == [("English", "en", True)]


def test_subtitles_the_viewer_hid_stay_hidden_in_the_file_a_seek_opens(ffmpeg_package) -> None:
    """Hidden (``sid=no``, the app's subtitle menu), the track is listed but not selected in the new file a seek
    outside the cache opens (before, it was added back selected: the subtitles came back); shown again, the next
    file selects it."""
    with MpvOutput() as output:
        _playing_with_subtitles(output, ffmpeg_package)
        output.set_property("sid", "no")
        output.restart(9.0)
        output.push(remux_plan(ffmpeg_package, [1, 1], first=4, flush=False))
        assert output.wait_for(_is_first_frame, 10) is not None
        assert _subtitle_tracks(output) == [("English", "en", False)]
        output.set_property("sid", "auto")
        output.restart(8.0)
        output.push(remux_plan(ffmpeg_package, [1, 1], first=4, flush=False))
        assert output.wait_for(_is_first_frame, 10) is not None
        assert _subtitle_tracks(output) == [("English", "en", True)]


def test_push_before_start_is_a_playback_error() -> None:
    """Pushing bytes with no stream open raises PlaybackError, not a libmpv exception."""
    with MpvOutput() as output, pytest.raises(PlaybackError):
        output.push(b"\x47" * 188)

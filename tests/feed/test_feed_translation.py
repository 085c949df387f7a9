"""libmpv's vocabulary → the feed's events, without libmpv: log lines, the audio output it opened, ends of
files, observed properties (player.feed.mpv_events, player.feed.mpv_properties). The lines and codes are
the ones libmpv 0.35 gives on this box (no sound device, no GPU); the real-libmpv runs are in
test_feed_outputs.py."""
from __future__ import annotations

from typing import Any

from player.feed.events import EndOfFile, FeedEvent, LogProblem, OutputNotice, PositionChanged, StallChanged, VideoSize
from player.feed.mpv_events import OutputLog
from player.feed.mpv_properties import ObservedProperties

NO_SOUND_LINES = [("error", "ao/alsa", "Playback open error: No such file or directory\n"),
                  ("fatal", "ao/jack", "cannot open server\n")]


def _log(ao: str, vo: str = "gpu,x11") -> tuple[OutputLog, list[FeedEvent]]:
    events: list[FeedEvent] = []
    return OutputLog(emit=events.append, clock=lambda: 5.0, vo=vo, ao=ao), events


def test_a_fallback_to_silence_is_one_notice_with_the_drivers_reasons() -> None:
    """ao "auto" and libmpv's current-ao turning "null": one no_audio_device notice naming each driver's failure."""
    log, events = _log(ao="")
    for line in NO_SOUND_LINES:
        log.line(*line)
    log.audio_output(None)
    log.audio_output("null")
    log.audio_output("null")
    notices = [e for e in events if isinstance(e, OutputNotice)]
    assert [n.code for n in notices] == ["no_audio_device"] and log.audio_fell_back
    assert "ao/alsa: Playback open error" in notices[0].message and "ao/jack: cannot open server" in notices[0].message
    assert [e.text for e in events if isinstance(e, LogProblem)] == ["Playback open error: No such file or directory",
                                                                     "cannot open server"]


def test_silence_asked_for_or_a_real_device_is_no_notice() -> None:
    """ao=null (headless) playing on "null", or a sound device that opened: nothing to tell."""
    for ao, current in (("null", "null"), ("alsa,null", "null"), ("", "pulse")):
        log, events = _log(ao=ao)
        log.audio_output(current)
        assert events == [] and not log.audio_fell_back


def test_an_end_of_file_names_libmpvs_reasons() -> None:
    """eof is clean; an error after every video output failed names the chain and the log lines behind it."""
    log, _ = _log(ao="null")
    assert log.end_of_file(0, 0, 1) == EndOfFile(at=5.0, reason="eof", error=None, generation=1)
    log.line("error", "vo/x11", "X11 error: cannot connect to X server")
    log.line("error", "cplayer", "Error opening/initializing the selected video_out (--vo) device.")
    end = log.end_of_file(4, -1, 2)
    assert end.reason == "error" and end.video_output_failed and end.generation == 2
    assert end.error is not None and end.error.startswith("no video output could open (vo=gpu,x11)")
    assert "vo/x11: X11 error: cannot connect to X server" in end.error


def test_observed_properties_become_events_and_latest_values() -> None:
    """time-pos, stalls and picture sizes become events (a size only when it changes); the cache state and the
    audio output go to their callbacks."""
    events: list[FeedEvent] = []
    caches: list[Any] = []
    outputs: list[str | None] = []
    props = ObservedProperties(emit=events.append, clock=lambda: 1.0, on_cache=lambda c, at: caches.append(c),
                               on_audio_output=outputs.append)
    props.changed("time-pos", 2.5)
    props.changed("paused-for-cache", True)
    for _ in range(2):
        props.changed("video-params", {"w": 426, "h": 240})
    props.changed("demuxer-cache-state", {"seekable-ranges": []})
    props.changed("current-ao", "null")
    assert events == [PositionChanged(at=1.0, position_s=2.5), StallChanged(at=1.0, stalled=True),
                      VideoSize(at=1.0, width=426, height=240)]
    assert (props.position_s, props.stalled, props.video_size) == (2.5, True, (426, 240))
    assert caches == [{"seekable-ranges": []}] and outputs == ["null"]

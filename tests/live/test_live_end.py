"""How a live play ends: an event that ends (EXT-X-ENDLIST appears) finishes cleanly; a playlist that stops
advancing without one (the encoder died) is named, instead of a player waiting for ever — and so is a ``$Number$``
MPD whose encoder died, which has no list to stop advancing. A DASH event ends as an MPD turned static."""
from __future__ import annotations

import asyncio
import functools
import http.server
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_live_outside import ffmpeg_live

from backend_stub.live.channel import default_ffmpeg
from player.errors import LiveStreamStopped
from player.playback import PlaybackSession, SessionOptions

SEGMENT_S = 2


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture
def event(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A 10 s HLS event playlist (TS, 2 s segments) as a live encoder leaves it: no EXT-X-ENDLIST."""
    subprocess.run([default_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                    "-i", "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=r=48000", "-t", "10",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
                    "-c:a", "aac", "-ac", "1", "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "event",
                    "live.m3u8"], cwd=tmp_path, check=True)
    playlist = tmp_path / "live.m3u8"
    playlist.write_text(playlist.read_text().replace("#EXT-X-ENDLIST\n", ""))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield playlist, f"http://127.0.0.1:{server.server_address[1]}/live.m3u8"
    finally:
        server.shutdown()
        server.server_close()


def _play(url: str, box: list[PlaybackSession], limit_s: float = 60) -> dict:
    session = PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(low_latency=False))
    box.append(session)
    return asyncio.run(asyncio.wait_for(session.run(), limit_s))  # a player waiting for ever fails here


def test_a_playlist_that_stops_advancing_is_named(event: tuple[Path, str]) -> None:
    """No new segment and no ENDLIST for three target durations: LiveStreamStopped, well before a QA timeout."""
    _, url = event
    box: list[PlaybackSession] = []
    started = time.monotonic()
    with pytest.raises(LiveStreamStopped, match="has not advanced for 6 s"):
        _play(url, box)
    assert time.monotonic() - started < 30
    report = box[0].report()
    assert report["live"] is True and report["errors"][-1]["code"] == "LiveStreamStopped"


def test_an_event_that_ends_finishes_the_play(event: tuple[Path, str]) -> None:
    """EXT-X-ENDLIST arriving mid-play: the rest of what is listed plays, then the play ends without an error."""
    playlist, url = event
    threading.Timer(2.0, lambda: playlist.write_text(playlist.read_text() + "#EXT-X-ENDLIST\n")).start()
    box: list[PlaybackSession] = []
    report = _play(url, box)
    assert report["live"] is True and report["errors"] == []
    assert box[0].playhead.reached_eof
    assert report["played_s"] >= 2 * SEGMENT_S  # played from the hold-back point to the end of the event
    # the event has an end now, so the play is judged by it (it was "complete": false on a whole play)
    assert report["complete"] is True and report["tracks"] and all(t["fed_until_s"] >= 9.5 for t in report["tracks"])


def test_a_number_mpd_whose_encoder_died_is_named(tmp_path: Path) -> None:
    """ffmpeg's dynamic DASH without a SegmentTimeline (``$Number$`` from the clock), its encoder killed 4 s into
    the play: the segments the clock says exist never appear (404), and three in a row end the play with
    LiveStreamStopped within seconds, the tracks fed so far in the report. Before, each was skipped in turn, the
    skipped ones counted as buffered held the next fetch back, and a minute later libmpv, fed nothing after a
    resync, ended it with "unrecognized file format" and no tracks in the report."""
    output = ["-f", "dash", "-seg_duration", str(SEGMENT_S), "-window_size", "5", "-use_timeline", "0",
              "-use_template", "1", "live.mpd"]
    box: list[PlaybackSession] = []
    with ffmpeg_live(tmp_path, output, segments=3, stops_after_s=4.0) as url:
        started = time.monotonic()
        with pytest.raises(LiveStreamStopped, match="segments from .* are missing or broken on every CDN"):
            _play(url, box, limit_s=30)
    assert time.monotonic() - started < 25
    report = box[0].report()
    assert report["errors"][-1]["code"] == "LiveStreamStopped" and report["complete"] is False
    assert {t["kind"] for t in report["tracks"]} == {"audio", "video"}


def test_a_dash_event_that_ends_finishes_the_play(tmp_path: Path) -> None:
    """ffmpeg's dynamic DASH, stopped cleanly 4 s into the play (its last MPD is static, with a duration): the
    rest plays, the play ends by itself without an error, complete, and the report's DVR window is the media
    listed — it read ~1.8e9 s before (the static MPD has no availabilityStartTime: "now" since 1970)."""
    output = ["-f", "dash", "-seg_duration", str(SEGMENT_S), "-window_size", "5", "-use_timeline", "1",
              "-use_template", "1", "live.mpd"]
    box: list[PlaybackSession] = []
    with ffmpeg_live(tmp_path, output, segments=3, stops_after_s=4.0, how=signal.SIGINT) as url:
        report = _play(url, box, limit_s=40)
    assert report["live"] is True and report["errors"] == [] and report["complete"] is True
    assert box[0].playhead.reached_eof
    assert 0 < report["dvr_window_s"] <= 5 * SEGMENT_S + 1

"""A live channel's subtitles read on as the channel plays: plain ffmpeg writes a sliding-window HLS with a WebVTT
subtitle playlist (one cue a second, ``cue N`` at N.1–N.9 s), served over HTTP on 127.0.0.1, played by libmpv; and
a dynamic ``$Number$`` MPD over ffmpeg's DASH segments with a WebVTT AdaptationSet, made available by the clock."""
from __future__ import annotations

import asyncio
import datetime
import functools
import http.server
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_live_outside import _Quiet, report_of, serving

from backend_stub.live.channel import default_ffmpeg
from player.playback import PlaybackSession, SessionOptions

WINDOW = 4  # one-second segments listed


class _Losing(_Quiet):
    """Answers 404 for the subtitle segment of second 8 (a CDN that lost one object)."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path.split("?")[0].endswith("/v08.vtt"):
            self.send_error(404)
            return
        super().do_GET()


@pytest.fixture
def channel(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The master playlist's URL, once ffmpeg has written a window's worth of segments (``indirect``: True for a
    server that lost one subtitle segment)."""
    handler = _Losing if getattr(request, "param", False) else _Quiet
    cues = [f"00:{n // 60:02d}:{n % 60:02d}.100 --> 00:{n // 60:02d}:{n % 60:02d}.900\ncue {n}" for n in range(120)]
    (tmp_path / "subs.vtt").write_text("WEBVTT\n\n" + "\n\n".join(cues) + "\n")
    proc = subprocess.Popen([
        default_ffmpeg(), "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
        "-re", "-f", "lavfi", "-i", "sine=r=48000", "-re", "-i", "subs.vtt", "-map", "0:v", "-map", "1:a", "-map", "2:s",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0", "-b:v", "200k",
        "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-c:s", "webvtt", "-f", "hls", "-hls_time", "1", "-hls_list_size",
        str(WINDOW), "-hls_flags", "delete_segments", "-var_stream_map", "v:0,a:0,s:0,sgroup:subs,language:en",
        "-master_pl_name", "master.m3u8", "-hls_segment_filename", "v%v_%d.ts", "v%v.m3u8"],
        cwd=tmp_path, stdin=subprocess.DEVNULL)
    with serving(proc, tmp_path, lambda: len(list(tmp_path.glob("v0*.vtt"))) >= WINDOW, "master.m3u8", handler) as url:
        yield url


def _play_showing(url: str, until_s: float,
                  hide_at: float | None = None) -> tuple[dict[str, Any], float, list[int], list[tuple[float, str]]]:
    """The report, where the play started, the cue numbers libmpv showed and each ``sub-text`` with its position;
    ``hide_at``: the viewer hides the subtitles there (``sid=no``, as the app's subtitle menu does)."""
    session = PlaybackSession(target=url, manifest_urls=[url],
                              options=SessionOptions(until_s=until_s, subtitle_language="en", low_latency=False))
    shown: list[tuple[float, str]] = []

    async def watch() -> None:
        nonlocal hide_at
        await session.started.wait()
        while session.output is not None:
            text, at = session.output.property("sub-text"), session.output.property("time-pos")
            if text and at is not None:
                shown.append((at, text))
            if hide_at is not None and at is not None and at >= session.playhead.start_s + hide_at:
                session.output.set_property("sid", "no")
                hide_at = None
            await asyncio.sleep(0.05)

    report = report_of(session, watch, 60)
    numbers = sorted({int(m.group(1)) for _, text in shown if (m := re.fullmatch(r"cue (\d+)", text))})
    return report, session.playhead.start_s, numbers, shown


def test_a_live_channels_subtitles_are_shown_past_the_window_listed_at_the_start(channel: str) -> None:
    """Twelve seconds of a channel with ``--subtitles en``: every cue of the play is shown at its second, well past
    the four listed when the play began; the report's text track reaches the end. Before, the track was read once at
    the start: the first window's cues were shown, then none, and the play was complete with nothing said."""
    until_s = 12.0
    report, start, numbers, shown = _play_showing(channel, until_s)
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert not [n for n in report["notices"] if n["code"].startswith("Subtitles")]
    assert numbers and numbers[-1] >= start + until_s - 2 > numbers[0] + WINDOW, (start, numbers)
    assert numbers == list(range(numbers[0], numbers[-1] + 1)), numbers
    for at, text in shown:  # each at its own second, never a stale one
        assert int(text.split()[1]) == pytest.approx(at, abs=1.0), (at, text)
    text_track = next(t for t in report["tracks"] if t["kind"] == "text")
    assert text_track["fed_until_s"] >= start + until_s - 2, report["tracks"]


@pytest.mark.parametrize("channel", [True], indirect=True)
def test_a_subtitle_segment_no_cdn_delivers_is_named_and_the_later_ones_shown(channel: str) -> None:
    """The server has lost the subtitle segment of second 8: its cue is not shown, the ones after it are, and the
    report names the segment (``SubtitlesMissing``); picture and sound are whole, but the play asked for subtitles
    is not (exit 1, as a title whose subtitle segment is lost fails). Before, it was complete."""
    report, start, numbers, _ = _play_showing(channel, 14.0)
    assert report["complete"] is False and [e["code"] for e in report["errors"]] == ["IncompletePlay"], report["errors"]
    assert re.fullmatch(r"incomplete play: subtitles not shown: subtitle segment 8\.0–9\.0 s: .*", report["incomplete"])
    assert start < 8 and 8 not in numbers and numbers[-1] >= 12, (start, numbers)
    missing = [n["message"] for n in report["notices"] if n["code"] == "SubtitlesMissing"]
    assert missing and "8.0–9.0 s" in missing[0], report["notices"]


def test_subtitles_the_viewer_hid_stay_hidden_as_the_track_grows(channel: str) -> None:
    """Hidden 3 s in, the subtitles stay hidden though the track is handed to libmpv again at every new segment
    (before, each update added it back selected: they came back within a second)."""
    report, start, _, shown = _play_showing(channel, 10.0, hide_at=3.0)
    assert report["complete"] is True, report["errors"]
    assert shown and not [(at, text) for at, text in shown if at >= start + 4.0], shown


@pytest.fixture
def dash_channel(tmp_path: Path) -> Iterator[str]:
    """A dynamic MPD (``$Number$``, 2 s segments, availability from the server's start) over 40 s that ffmpeg's DASH
    muxer wrote, with a WebVTT AdaptationSet whose segment N holds ``cue S`` at S+0.5 s (S = 2·(N−1)): the URL, 7 s
    after the start (a few segments available)."""
    subprocess.run([default_ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=320x180:rate=25:duration=40", "-f", "lavfi", "-i", "sine=r=48000:duration=40",
                    "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50",
                    "-sc_threshold", "0", "-b:v", "200k", "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-f", "dash",
                    "-seg_duration", "2", "-use_template", "1", "-use_timeline", "0", "manifest.mpd"],
                   cwd=tmp_path, check=True)
    (tmp_path / "t").mkdir()
    for number in range(1, 21):
        at = 2 * (number - 1)
        (tmp_path / "t" / f"{number}.vtt").write_text(f"WEBVTT\n\n00:00:{at:02d}.500 --> 00:00:{at + 1:02d}.500\ncue {at}\n")
    start = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    mpd = re.sub(r'\s*mediaPresentationDuration="[^"]*"', "", (tmp_path / "manifest.mpd").read_text())
    mpd = mpd.replace('type="static"', f'type="dynamic" availabilityStartTime="{start}" publishTime="{start}" '
                      'minimumUpdatePeriod="PT2S" timeShiftBufferDepth="PT30S" suggestedPresentationDelay="PT4S"')
    (tmp_path / "live.mpd").write_text(mpd.replace("</Period>", (
        '<AdaptationSet id="2" contentType="text" lang="en" mimeType="text/vtt"><Representation id="t" bandwidth="256">'
        '<SegmentTemplate timescale="1" duration="2" media="t/$Number$.vtt" startNumber="1"/></Representation>'
        "</AdaptationSet></Period>")))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        time.sleep(7)
        yield f"http://127.0.0.1:{server.server_address[1]}/live.mpd"
    finally:
        server.shutdown()
        server.server_close()


def test_a_live_mpds_subtitles_are_shown_at_their_times(dash_channel: str) -> None:
    """Twelve seconds of the dynamic MPD with ``--subtitles en``: every cue the play passes is shown at its time.
    Before, the segments enumerated from the clock carried the moved Period start that enumeration uses as their
    media offset: each cue came later by the segments before the join, and one of six was shown."""
    report, start, numbers, shown = _play_showing(dash_channel, 12.0)
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    expected = [at for at in range(0, 40, 2) if start <= at + 0.5 and at + 1.5 <= start + 12.0]
    assert len(expected) >= 5 and set(expected) <= set(numbers), (start, numbers)
    for at, text in shown:
        assert int(text.split()[1]) + 0.5 - 0.05 <= at <= int(text.split()[1]) + 1.55, (at, text)

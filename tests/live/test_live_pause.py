"""A live play the DVR window moves past: paused longer than the window holds, or stalled that long. Plain ffmpeg
writes a sliding-window HLS (1 s segments, 4 listed, older ones deleted) served over HTTP on 127.0.0.1, libmpv plays.

The play goes on inside the window, as hls.js and Shaka do, and the report names the stretch the channel deleted
before it was shown (``LiveWindowPassed``). After the viewer's pause that is their doing; after a stall it is a
loss (exit 1). Before, a pause went on silently, one whose jump passed ``--until`` failed with libmpv's
"unrecognized file format" (an empty stream), and a window shorter than the hold-back plus a 2 s margin held the
live play itself "outside": it jumped a few tenths of a second every second.
"""
from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_live_outside import _Quiet, serving

from backend_stub.live.channel import default_ffmpeg
from player.errors import IncompletePlay
from player.playback import PlaybackSession, SessionOptions

WINDOW = 4  # one-second segments listed


class _Stalling(_Quiet):
    """Holds every segment request made while ``stall_until`` (monotonic) is ahead, until then: a CDN that stalls."""

    stall_until = 0.0

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path.split("?")[0].endswith(".ts") and (wait := type(self).stall_until - time.monotonic()) > 0:
            time.sleep(wait)
        super().do_GET()


@pytest.fixture
def channel(tmp_path: Path) -> Iterator[str]:
    """The media playlist's URL, once ffmpeg has written a window's worth of segments."""
    _Stalling.stall_until = 0.0
    proc = subprocess.Popen([
        default_ffmpeg(), "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
        "-re", "-f", "lavfi", "-i", "sine=r=48000", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min",
        "25", "-sc_threshold", "0", "-b:v", "200k", "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-f", "hls", "-hls_time",
        "1", "-hls_list_size", str(WINDOW), "-hls_flags", "delete_segments+program_date_time", "live.m3u8"],
        cwd=tmp_path, stdin=subprocess.DEVNULL)
    with serving(proc, tmp_path, lambda: len(list(tmp_path.glob("*.ts"))) >= WINDOW, "live.m3u8", _Stalling) as url:
        yield url


def _play(url: str, until_s: float, *, pause: tuple[float, float] | None = None,
          stall: tuple[float, float] | None = None) -> dict[str, Any]:
    """The report of ``until_s`` of the channel; ``pause``/``stall``: (after s of play, for s) the viewer pauses, or
    the CDN holds every segment request."""
    session = PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(until_s=until_s, low_latency=False))

    async def act() -> None:
        await session.started.wait()
        after, for_s = pause or stall or (0.0, 0.0)
        await asyncio.sleep(after)
        if pause:
            session.pause(True)
            await asyncio.sleep(for_s)
            session.pause(False)
        elif stall:
            _Stalling.stall_until = time.monotonic() + for_s

    async def play() -> dict[str, Any]:
        acting = asyncio.ensure_future(act())
        try:
            return await asyncio.wait_for(session.run(), 90)
        except IncompletePlay as exc:  # the report as written, and what ``reelbox play`` exits 1 with
            return {**session.report(), "incomplete": str(exc)}
        finally:
            acting.cancel()

    return asyncio.run(play())


def _passed(report: dict[str, Any]) -> list[str]:
    return [n["message"] for n in report["notices"] if n["code"] == "LiveWindowPassed"]


def test_a_pause_longer_than_the_window_goes_on_inside_it_and_names_what_the_channel_deleted(channel: str) -> None:
    report = _play(channel, 20.0, pause=(2.0, 12.0))
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    passed = _passed(report)
    assert len(passed) == 1 and "while the viewer paused" in passed[0], report["notices"]
    assert [p[3] for p in report["window_passed"]] == [True]
    assert report["window_passed"][0][2] - report["window_passed"][0][1] >= 12.0 - WINDOW


def test_a_pause_whose_jump_lands_past_until_ends_the_play_where_it_landed(channel: str) -> None:
    report = _play(channel, 8.0, pause=(2.0, 15.0))
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert len(_passed(report)) == 1, report["notices"]


def test_a_live_play_at_its_hold_back_on_a_short_window_is_not_outside_it(channel: str) -> None:
    report = _play(channel, 8.0)
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert _passed(report) == [] and report["window_passed"] == []


def test_a_stall_longer_than_the_window_goes_on_inside_it_and_is_a_loss(channel: str) -> None:
    report = _play(channel, 20.0, stall=(2.0, 9.0))
    assert report["complete"] is False and [e["code"] for e in report["errors"]] == ["IncompletePlay"], report["errors"]
    assert "while playback stalled" in report["incomplete"], report["incomplete"]
    # the window moves on while the CDN still holds the requests: a jump each time it passes the playhead again
    assert report["window_passed"] and not [p for p in report["window_passed"] if p[3]], report["window_passed"]

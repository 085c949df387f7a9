"""A live play the DVR window moves past: paused longer than its buffer and the window hold, or stalled that long.
Plain ffmpeg writes a sliding-window HLS (1 s segments, 4 listed) served over HTTP on 127.0.0.1, libmpv plays.

Once the channel has deleted what the play would fetch next, it goes on at the target latency, as hls.js does, and
the report names the stretch not shown (``LiveWindowPassed``). After the viewer's pause that is their doing (found
as they resume, before anything is fetched); after a stall it is a loss (exit 1). Media buffered plays on: a pause
the buffer covers loses nothing. A stall the window holds, but that leaves the play far behind its target latency,
resyncs: complete, the skip named (``LiveResync``). Before, a pause went on silently, one whose jump passed
``--until`` failed with libmpv's "unrecognized file format" (an empty stream), a window shorter than the hold-back
plus a 2 s margin held the live play itself "outside": it jumped a few tenths of a second every second, and a resync
was only counted.
"""
from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_live_outside import _Quiet, report_of, serving

from backend_stub.live.channel import default_ffmpeg
from player.playback import PlaybackSession, SessionOptions
from ui.play import summary_lines
from ui.report_html import render_report

WINDOW = 4  # one-second segments listed


class _Stalling(_Quiet):
    """Holds every segment request made while ``stall_until`` (monotonic) is ahead, until then: a CDN that stalls."""

    stall_until = 0.0

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path.split("?")[0].endswith(".ts") and (wait := type(self).stall_until - time.monotonic()) > 0:
            time.sleep(wait)
        super().do_GET()


@pytest.fixture
def channel(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The media playlist's URL, once ffmpeg has written a window's worth of segments. Parametrized (indirect) with
    ``listed`` (segments listed, else ``WINDOW``) and ``kept`` (segments kept on disk once unlisted, else 30: an
    origin keeps what it no longer lists a while)."""
    _Stalling.stall_until = 0.0
    listed, kept = getattr(request, "param", {}).get("listed", WINDOW), getattr(request, "param", {}).get("kept", 30)
    proc = subprocess.Popen([
        default_ffmpeg(), "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
        "-re", "-f", "lavfi", "-i", "sine=r=48000", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min",
        "25", "-sc_threshold", "0", "-b:v", "200k", "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-f", "hls", "-hls_time",
        "1", "-hls_list_size", str(listed), "-hls_flags", "delete_segments+program_date_time",
        "-hls_delete_threshold", str(kept), "live.m3u8"],
        cwd=tmp_path, stdin=subprocess.DEVNULL)
    with serving(proc, tmp_path, lambda: len(list(tmp_path.glob("*.ts"))) >= listed, "live.m3u8", _Stalling) as url:
        yield url


def _play(url: str, until_s: float, *, pause: tuple[float, float] | None = None,
          stall: tuple[float, float] | None = None, buffer_s: float = 4.0) -> dict[str, Any]:
    """The report of ``until_s`` of the channel with ``buffer_s`` buffered at most; ``pause``/``stall``: (after s of
    play, for s) the viewer pauses, or the CDN holds every segment request."""
    session = PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(
        until_s=until_s, low_latency=False, buffer_capacity_s=buffer_s))

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

    return report_of(session, act, 90)


def _passed(report: dict[str, Any], code: str = "LiveWindowPassed") -> list[str]:
    return [n["message"] for n in report["notices"] if n["code"] == code]


def test_a_pause_longer_than_the_buffer_and_window_goes_on_at_live_and_names_what_was_not_shown(channel: str) -> None:
    report = _play(channel, 20.0, pause=(2.0, 12.0))
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    passed = _passed(report)
    assert len(passed) == 1 and "while the viewer paused" in passed[0], report["notices"]
    (at, from_s, to_s, paused), = report["window_passed"]
    assert paused and to_s - from_s >= 12.0 - WINDOW, report["window_passed"]


def test_a_pause_the_buffer_covers_loses_nothing(channel: str) -> None:
    report = _play(channel, 20.0, pause=(2.0, 8.0), buffer_s=30.0)
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert _passed(report) == [] and report["window_passed"] == []


def test_a_pause_whose_jump_lands_past_until_ends_the_play_where_it_landed(channel: str) -> None:
    report = _play(channel, 8.0, pause=(2.0, 15.0))
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert len(_passed(report)) == 1, report["notices"]


def test_a_live_play_at_its_hold_back_on_a_short_window_is_not_outside_it(channel: str) -> None:
    report = _play(channel, 8.0)
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert _passed(report) == [] and report["window_passed"] == []


def test_a_stall_longer_than_the_window_goes_on_at_live_and_is_a_loss(channel: str) -> None:
    report = _play(channel, 20.0, stall=(2.0, 9.0))
    assert report["complete"] is False and [e["code"] for e in report["errors"]] == ["IncompletePlay"], report["errors"]
    assert "while playback stalled" in report["incomplete"], report["incomplete"]
    assert report["window_passed"] and not [p for p in report["window_passed"] if p[3]], report["window_passed"]


@pytest.mark.parametrize("channel", [{"listed": 30}], indirect=True)
def test_a_stall_the_window_holds_resyncs_to_the_target_and_names_what_it_skipped(channel: str) -> None:
    """A 10 s stall on a 30 s window: the play falls ~7 s behind its 3 s target and, once the stall ends, jumps ahead
    inside the window once, skipping media that was still there. A live player's policy, not the channel's loss:
    complete, but named (``LiveResync``, the live field ``resynced``). Before, only the count ``resyncs`` told of it,
    and the play resynced during the stall, then again after it (3.4 s, then 4.0 s)."""
    report = _play(channel, 30.0, stall=(2.0, 10.0))
    assert report["complete"] is True and report["errors"] == [], report["errors"]
    assert report["window_passed"] == [] and _passed(report) == [], report["notices"]
    resynced = _passed(report, "LiveResync")
    assert len(resynced) == report["resyncs"] == 1, report["notices"]
    assert "fell behind its target latency" in resynced[0], resynced
    (at, from_s, to_s), = report["resynced"]
    assert to_s - from_s > 5.0, report["resynced"]
    page = render_report(report)  # the HTML report and the line `play` prints: before, neither named it
    assert "<h2>Notices (1)</h2>" in page and f"LiveResync: {resynced[0]}" in page, page[:3000]
    assert summary_lines(report)[1:] == [f"notice at {report['notices'][0]['t_s']:.1f} s: LiveResync: {resynced[0]}"]


@pytest.mark.parametrize("channel", [{"kept": 1}], indirect=True)
def test_a_stall_whose_segments_are_deleted_before_they_are_answered_is_not_the_encoder_stopping(channel: str) -> None:
    """The CDN holds requests 9 s on a 4 s window whose origin deletes what it stops listing: the held segments are
    answered 404, deleted meanwhile. That is the window passing in a stall (a loss, named), not the stream stopping:
    before, three such answers in a row ended the play ``LiveStreamStopped``, "the encoder or packager upstream has
    stopped", while ffmpeg was writing on."""
    report = _play(channel, 20.0, stall=(2.0, 9.0))
    codes = [e["code"] for e in report["errors"]]
    assert "LiveStreamStopped" not in codes and codes[-1] == "IncompletePlay", report["errors"]
    assert "while playback stalled" in report["incomplete"], report["incomplete"]
    skipped = [e["message"] for e in report["errors"] if e["code"] == "SegmentSkipped"]
    assert skipped and all("deleted behind the live window" in m for m in skipped), skipped

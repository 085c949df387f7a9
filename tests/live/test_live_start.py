"""``reelbox play URL --start S`` on a live stream (Shaka Player's ``load(uri, startTime)``): a negative S starts
that far behind the live edge and the play holds that distance; a start outside the DVR window is named before
anything plays (``StartOutsideWindow``, exit 1), never moved. It was ignored: the play began at the hold-back
point whatever was asked, and ``--start -30`` was refused as bad usage.

The end-to-end cases play plain ffmpeg's sliding-window HLS (1 s segments, program date-times, a 12 s window)
over loopback HTTP through the real CLI and libmpv; the rules themselves are checked on the pure functions.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_live_outside import ffmpeg_live

from player.errors import StartOutsideWindow
from player.live.latency import LatencyController, LatencyPolicy
from player.live.window import LiveWindow, asked_start

HLS_1S = ["-g", "25", "-keyint_min", "25", "-f", "hls", "-hls_time", "1", "-hls_list_size", "12", "-hls_flags",
          "delete_segments+program_date_time", "-hls_segment_type", "fmp4", "live.m3u8"]
HOLD_BACK_S = 3.0  # three target durations (RFC 8216bis §4.4.3.8), the stream has no HOLD-BACK of its own


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live HLS stream ffmpeg writes in real time, once 8 one-second segments exist (a DVR window ≥ 8 s)."""
    folder = tmp_path_factory.mktemp("live-start")
    with ffmpeg_live(folder, HLS_1S, segments=8) as url:
        yield url


def _cli(tmp_path: Path, url: str, start: str, report: Path | None = None,
         until: str = "5") -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "ui", "play", url, "--headless", "--start", start, "--until", until]
    args += ["--report", str(report)] if report else []
    return subprocess.run(args, env={**os.environ, "REELBOX_HOME": str(tmp_path / "home")}, capture_output=True,
                          text=True, timeout=60)


def test_a_negative_start_begins_that_far_behind_live_and_stays_there(stream: str, tmp_path: Path) -> None:
    """``--start -6``: the play begins 6 s behind the edge and its latency (server clock minus the shown frame's
    program date-time) stays near 6 s — the controller holds the chosen offset instead of catching up to the
    stream's 3 s target."""
    report = tmp_path / "r.json"
    run = _cli(tmp_path, stream, "-6", report)
    assert run.returncode == 0, run.stderr[-2000:]
    r = json.loads(report.read_text())
    assert r["live"] is True and r["errors"] == [] and r["rebuffer_count"] == 0
    assert r["start_asked_s"] == -6.0 and r["start_behind_live_s"] == pytest.approx(6.0, abs=0.05)
    assert r["latency_target_s"] == pytest.approx(6.0, abs=0.05) and r["resyncs"] == 0
    assert float(r["played_s"]) >= 4.0
    samples = [v for _, v in r["latency_s"]]
    # up to a segment more: the edge is the newest segment listed, which ffmpeg lists once written
    assert len(samples) >= 6 and all(5.5 < v < 7.8 for v in samples), samples


def test_a_start_on_the_timeline_plays_until_seconds_from_it(stream: str, tmp_path: Path) -> None:
    """``--start 4 --until 3`` on live: three seconds from position 4 (``--until`` counts from the start). The parser
    refused it (3 is before 4), as it must on a title, where it is a position."""
    report = tmp_path / "r.json"
    run = _cli(tmp_path, stream, "4", report, until="3")
    assert run.returncode == 0, run.stderr[-2000:]
    r = json.loads(report.read_text())
    assert r["complete"] is True and r["errors"] == [] and r["start_asked_s"] == 4.0 and r["start_s"] == 4.0
    assert 2.0 <= float(r["played_s"]) <= 4.0, r["played_s"]


@pytest.mark.parametrize(("start", "said"), [("-600", "older than the oldest media kept"),
                                             ("-1", f"inside the stream's {HOLD_BACK_S:g} s hold-back")])
def test_a_start_outside_the_dvr_window_is_named_not_moved(stream: str, tmp_path: Path, start: str, said: str) -> None:
    """Ten minutes back (the window holds 12 s), or 1 s from the edge (inside the hold-back): exit 1 with the
    sentence and what is playable, before anything plays."""
    run = _cli(tmp_path, stream, start)
    assert run.returncode == 1, run.stderr[-2000:]
    assert run.stderr.startswith("error: The start position is outside the part of the live stream") and said in run.stderr
    assert "s from the live edge) are playable now" in run.stderr and "Traceback" not in run.stderr


def test_asked_start_counts_back_from_the_edge_and_refuses_what_is_outside() -> None:
    """Negative: back from the edge; otherwise a timeline position; outside [oldest + margin, edge − target]: named."""
    window = LiveWindow(start_s=100.0, edge_s=160.0)
    assert asked_start(-30, window, target_s=6.0, margin_s=2.0) == 130.0
    assert asked_start(120, window, target_s=6.0, margin_s=2.0) == 120.0
    assert asked_start(-58, window, target_s=6.0, margin_s=2.0) == 102.0
    assert asked_start(-6, window, target_s=6.0, margin_s=2.0) == 154.0
    for asked, said in ((-59, "older"), (0, "older"), (-5, "hold-back"), (170, "ahead of the live edge")):
        with pytest.raises(StartOutsideWindow, match=said):
            asked_start(asked, window, target_s=6.0, margin_s=2.0)
    with pytest.raises(StartOutsideWindow, match="shorter than the hold-back"):
        asked_start(-3, LiveWindow(start_s=0.0, edge_s=4.0), target_s=6.0, margin_s=2.0)


def test_a_chosen_offset_is_held_and_go_live_returns_to_the_streams_target() -> None:
    """Started 30 s back: at 30 s of latency nothing catches up; 1 s more is caught up gently, not resynced to
    the edge; Go live seeks to the edge minus the stream's own 6 s target, which is held from then on."""
    window = LiveWindow(start_s=0.0, edge_s=100.0)
    c = LatencyController(LatencyPolicy(target_s=30.0), live_target_s=6.0)
    assert c.decide(0.0, 30.1, buffer_s=20.0, position_s=70.0, window=window).rate == 1.0
    late = c.decide(0.5, 31.0, buffer_s=20.0, position_s=70.0, window=window)
    assert 1.0 < late.rate <= 1.1 and late.seek_to is None
    assert c.go_live(window) == 94.0 and c.policy.target_s == 6.0 and c.live_target_s is None

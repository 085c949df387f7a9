"""Manifests that do not tell the truth, against the real player (``reelbox play URL --headless`` in its own process).

Content is ffmpeg's own HLS muxer output (6 s, three 2 s MPEG-TS segments), served byte for byte by the
hostile server on 127.0.0.1 with one thing wrong each time:
- every ``#EXTINF`` ten times the media (20 s declared, 2 s there): the play used to wait for buffer room
  that was never there while libmpv starved (a hang), and with ``--until 5`` it stopped at 1.9 s and exited 0;
- every segment 404: the error line blamed libmpv's "unrecognized file format", not the missing segments;
- a 200 HTML page where the playlist should be, a playlist that redirects to itself, and a negative ``--start``
  on a title that is not live: each gets the sentence that fits it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import pytest
from hostile_server import Answer, hostile

ROOT = Path(__file__).resolve().parents[2]
M3U8 = "application/vnd.apple.mpegurl"


@pytest.fixture(scope="module")
def hls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """``ts.m3u8`` and its three segments, as ffmpeg's hls muxer writes them."""
    out = tmp_path_factory.mktemp("untrue-hls")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                    "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-sc_threshold", "0",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "2",
                    "-hls_playlist_type", "vod", "-hls_segment_filename", str(out / "ts_%d.ts"), str(out / "ts.m3u8")],
                   check=True, timeout=120)
    return {p.name: p.read_bytes() for p in out.iterdir()}


def _routes(files: dict[str, bytes], playlist: bytes | None = None, *, segments: bool = True) -> dict[str, Answer]:
    routes = {f"/{name}": Answer(body=data) for name, data in files.items() if segments or not name.endswith(".ts")}
    routes["/ts.m3u8"] = Answer(body=files["ts.m3u8"] if playlist is None else playlist, content_type=M3U8)
    return routes


def _play(url: str, tmp_path: Path, *extra: str) -> tuple[int, str, dict]:
    """Exit status, stderr and report of a headless play (a hang fails the test at 60 s)."""
    report = tmp_path / "r.json"
    env = {**os.environ, "REELBOX_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "ui", "play", url, "--headless", "--report", str(report), *extra],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return run.returncode, run.stderr, json.loads(report.read_text()) if report.exists() else {}


def _one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr, stderr[-2000:]
    return lines[0]


def test_segments_declared_ten_times_too_long_play_all_their_media_then_say_so(hls_files: dict[str, bytes],
                                                                              tmp_path: Path) -> None:
    """All 6 s of media play without a rebuffer (no wait for room that is not there), then the play is named
    incomplete: the playlist promised 60 s."""
    long = hls_files["ts.m3u8"].replace(b"#EXTINF:2.000000", b"#EXTINF:20.000000").replace(b"TARGETDURATION:2",
                                                                                           b"TARGETDURATION:20")
    with hostile(_routes(hls_files, long)) as server:
        code, stderr, report = _play(server.base + "/ts.m3u8", tmp_path)
    line = _one_error_line(stderr)
    assert code == 1 and "stopped at 6.0 s of 60.0 s" in line, line
    assert report["played_s"] >= 5.0 and report["rebuffer_count"] == 0, report


def test_until_inside_a_segment_declared_too_long_is_not_a_success(hls_files: dict[str, bytes], tmp_path: Path) -> None:
    """``--until 5`` with the first segment declared 0–20 s but holding 2 s: exit 1 naming where it stopped, not 0."""
    long = hls_files["ts.m3u8"].replace(b"#EXTINF:2.000000", b"#EXTINF:20.000000")
    with hostile(_routes(hls_files, long)) as server:
        code, stderr, report = _play(server.base + "/ts.m3u8", tmp_path, "--until", "5")
    line = _one_error_line(stderr)
    assert code == 1 and "stopped at 2.0 s of 5.0 s" in line, line
    assert report["played_s"] < 2.5 and report["complete"] is False, report


def test_every_segment_missing_names_the_missing_segments(hls_files: dict[str, bytes], tmp_path: Path) -> None:
    """Every segment 404: the error line says the segments were skipped (libmpv's own words come after)."""
    with hostile(_routes(hls_files, segments=False)) as server:
        code, stderr, report = _play(server.base + "/ts.m3u8", tmp_path, "--until", "5")
    line = _one_error_line(stderr)
    assert code == 1 and "incomplete play" in line and "segment 0.0–2.0 s skipped (not delivered)" in line, line
    assert line.index("skipped") < line.index("libmpv ended with an error"), line
    assert [e["code"] for e in report["errors"]].count("SegmentSkipped") == 3, report["errors"]


@pytest.mark.parametrize("page", [
    b"<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1></body></html>",
    # what error pages look like: not well-formed XML (an unclosed <meta>, an HTML entity)
    b'\xef\xbb\xbf\n<!doctype HTML>\n<html><head><meta charset="utf-8"><title>Sign in</title></head><body>a&nbsp;b</body></html>',
    b"<HTML><BODY><P>Access Denied<BR></BODY></HTML>",
])
def test_an_html_page_for_a_playlist_is_named_as_one(tmp_path: Path, page: bytes) -> None:
    with hostile({"/ts.m3u8": Answer(body=page, content_type="text/html")}) as server:
        code, stderr, _ = _play(server.base + "/ts.m3u8", tmp_path)
    line = _one_error_line(stderr)
    assert code == 1 and "web page (HTML), not a manifest" in line and "<MPD>" not in line, line


def test_a_playlist_that_redirects_to_itself_is_named_a_loop_and_not_retried(tmp_path: Path) -> None:
    """A 302 loop read as "the video servers are not answering. Check your network", after three rounds of
    redirects with back-off between them; the server does answer, the same way every time: one round, its
    own sentence."""
    with hostile({"/ts.m3u8": Answer(redirect="/ts.m3u8")}) as server:
        code, stderr, _ = _play(server.base + "/ts.m3u8", tmp_path)
    line = _one_error_line(stderr)
    assert code == 1 and "loop of redirects" in line and "not answering" not in line and "network" not in line, line
    assert len(server.hits) == 6, server.hits  # one request and the transport's 5 redirects, once


def test_a_negative_start_on_a_title_that_is_not_live_says_so(hls_files: dict[str, bytes], tmp_path: Path) -> None:
    """Bad usage (exit 2), in words about this title, not about a live stream's DVR window."""
    with hostile(_routes(hls_files)) as server:
        code, stderr, _ = _play(server.base + "/ts.m3u8", tmp_path, "--start", "-3")
    line = _one_error_line(stderr)
    assert code == 2 and "this title is not live" in line and "DVR window" not in line, line

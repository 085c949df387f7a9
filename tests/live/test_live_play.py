"""``reelbox play`` on live streams, end to end: the backend's channel (LL-HLS, HLS, LL-DASH, DASH) played
60 s headless each by the real CLI (real libmpv, real time), and ~12 s plays for a plain ffmpeg
sliding-window HLS stream, client clock skew and an edge dying.

A channel play must run 60 s with no error and no rebuffer, report ``live: true`` with latency samples
near its target, and follow the live edge. The latency goals themselves (p50/p95 over 10 minutes, on
loopback and shaped) are figures, measured by ``benchmarks/live_latency.py``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_live_outside import OUTPUTS, ffmpeg_live
from testkit import FAST_SETTINGS

from backend_stub.server import Backend

PLAY_S = 12
CHANNEL_PLAY_S = 60


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    b = Backend(tmp_path_factory.mktemp("live-play"), demo_user=True, edges=2, settings=FAST_SETTINGS, ingest_worker=False,
                live_channels=1).start()
    try:
        assert b.live.channels[0].wait_ready(30, segments=3)
        yield b
    finally:
        b.stop()


def play(tmp_path: Path, *args: str, skew_s: float = 0.0, seconds: float = PLAY_S) -> dict[str, object]:
    """Run the CLI; ``skew_s`` moves the player process's wall clock (``time.time``) as a badly set box would."""
    report = tmp_path / "report.json"
    env = {**os.environ, "REELBOX_HOME": str(tmp_path / "home")}
    if skew_s:
        site = tmp_path / "skew"
        site.mkdir()
        (site / "sitecustomize.py").write_text(
            f"import time\n_real = time.time\ntime.time = lambda: _real() + {skew_s!r}\n")
        env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-m", "ui", "play", *args, "--headless", "--until", str(seconds),
                           "--report", str(report)], env=env, capture_output=True, text=True, timeout=seconds + 90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(report.read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize(("fmt", "mode"), [("hls", "low"), ("hls", "standard"), ("dash", "low"), ("dash", "standard")])
def test_channel_plays_live_60s_without_a_rebuffer(backend: Backend, tmp_path: Path, fmt: str, mode: str) -> None:
    """60 s with no error and no rebuffer; latency reported (samples and p50) within a few seconds of the target."""
    r = play(tmp_path, "live", "--backend", backend.api_url, "--format", fmt, "--live", mode, seconds=CHANNEL_PLAY_S)
    assert r["live"] is True and r["errors"] == [] and r["low_latency"] is (mode == "low")
    # --until is a position on the live timeline, and the play starts at the live point minus the hold-back
    assert float(r["played_s"]) >= CHANNEL_PLAY_S - float(r["start_s"]) - 1  # type: ignore[arg-type]
    assert r["rebuffer_count"] == 0, r["rebuffer_events"]
    times = [t for t, _ in r["latency_s"]]  # type: ignore[union-attr]
    samples = [v for _, v in r["latency_s"]]  # type: ignore[union-attr]
    target = float(r["latency_target_s"])  # type: ignore[arg-type]
    # twice a second from the first frame to the end; catching up (a rate above 1) plays the 60 s in less
    # wall time, so the count is not 120 but the samples have no holes
    assert times[0] < 3 and max(b - a for a, b in zip(times, times[1:])) < 2.0, times
    assert len(samples) >= 2 * (CHANNEL_PLAY_S - 10)
    assert all(target - 0.5 < v < target + 4.0 for v in samples), (target, samples)
    assert min(samples) <= float(r["latency_p50_s"]) <= max(samples)  # type: ignore[arg-type]
    assert float(r["dvr_window_s"]) > 10  # type: ignore[arg-type]


@pytest.mark.parametrize("skew_s", [-30.0, 30.0])
def test_client_clock_skew_does_not_matter(backend: Backend, tmp_path: Path, skew_s: float) -> None:
    """A player whose wall clock is 30 s off starts at the same place and measures the same latency."""
    r = play(tmp_path, "live", "--backend", backend.api_url, "--format", "dash", "--live", "low", skew_s=skew_s)
    assert r["errors"] == [] and float(r["played_s"]) >= PLAY_S - 1  # type: ignore[arg-type]
    target = float(r["latency_target_s"])  # type: ignore[arg-type]
    assert all(target - 0.5 < v < target + 4.0 for _, v in r["latency_s"])  # type: ignore[union-attr]


def test_outside_ffmpeg_hls_sliding_window_plays(tmp_path: Path) -> None:
    """What plain libmpv played and Reelbox refused before: ffmpeg's sliding-window HLS (fMP4; the engine's
    scheduler wants CMAF), no PDT, no LL tags."""
    (tmp_path / "out").mkdir()
    with ffmpeg_live(tmp_path / "out", ["-f", "hls", "-hls_time", "2", "-hls_list_size", "5", "-hls_flags",
                                        "delete_segments", "-hls_segment_type", "fmp4", "live.m3u8"], segments=3) as url:
        r = play(tmp_path, url)
    assert r["live"] is True and r["errors"] == [] and float(r["played_s"]) >= PLAY_S - 1  # type: ignore[arg-type]
    assert r["latency_s"] == [] and r["latency_target_s"] == 6.0  # no program date-time: no latency to report


@pytest.mark.parametrize("kind", ["dash", "ldash"])
def test_outside_ffmpeg_dash_dynamic_plays(tmp_path: Path, kind: str) -> None:
    """ffmpeg's dynamic DASH, with and without ``-ldash`` (a SegmentTimeline MPD, no UTCTiming: the clock
    comes from the server's Date): played live to ``--until`` with no error, latency reported.

    Rebuffers are not asserted yet (open in issue 15): at ffmpeg's one-segment suggestedPresentationDelay
    there was one per segment (8 in 18 s); with the two-segment floor (``window.dash_delay``) none in 22 s
    on a calmer box, but 2-3 in 12 s at load 14."""
    (tmp_path / "out").mkdir()
    with ffmpeg_live(tmp_path / "out", OUTPUTS[kind]) as url:
        r = play(tmp_path, url)
    assert r["live"] is True and r["errors"] == []
    assert float(r["played_s"]) >= PLAY_S - float(r["start_s"]) - 1  # type: ignore[arg-type]  # --until: a live position
    assert r["latency_s"] and 0 < float(r["latency_p50_s"]) < 15  # type: ignore[arg-type]


def test_an_edge_dies_mid_live_and_play_continues(backend: Backend, tmp_path: Path) -> None:
    """Edge 0 goes down 4 s into an LL-HLS play: playlists and segments fail over to edge 1, no error."""
    import threading
    import time

    from backend_stub.edge.faults import FaultConfig

    edge0 = backend.edges[0]
    result: dict[str, dict[str, object]] = {}
    player = threading.Thread(target=lambda: result.setdefault("r", play(
        tmp_path, "live", "--backend", backend.api_url, "--format", "hls", "--live", "low")))
    player.start()
    try:
        time.sleep(4.0)
        edge0.set_faults(FaultConfig(down=True))
        player.join(timeout=90)
    finally:
        edge0.set_faults(FaultConfig())
    r = result["r"]
    assert r["errors"] == [] and float(r["played_s"]) >= PLAY_S - 1  # type: ignore[arg-type]
    assert int(r["cdn_failovers"]) >= 1  # type: ignore[call-overload]
    cdns = {s["cdn"] for s in r["segments"] if float(s["at_s"]) > 6.0}  # type: ignore[union-attr, index, arg-type]
    assert cdns == {1}

"""Issue 16 end to end with the real engine: corrupt segments fail over, two protected plays on one device."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend_stub.edge.faults import FaultConfig
from backend_stub.server import Backend
from player.backend import BackendClient
from player.errors import PlaybackStuck
from player.playback import PlaybackSession, SessionOptions
from player.sentences import sentence

CLEAR, LOCKED = "engine-clear", "engine-locked"  # built by the engine_library fixture (conftest.py)


async def _play(backend: Backend, title: str, options: SessionOptions) -> dict:
    client = BackendClient(backend.api_url)
    try:
        await client.login("demo@reelbox.local", "demo")
        return await PlaybackSession(target=title, options=options, backend=client).run()
    finally:
        await client.aclose()


@pytest.mark.parametrize("damage", ["random", "half"])
def test_corrupt_segments_on_one_edge_are_refetched_from_the_other(start_backend, damage: str) -> None:
    """Edge 0 serves every media segment damaged (random bytes, or half of it honestly framed): each is
    fetched again from edge 1; the title plays whole, with no error, hole or decoder error."""
    backend = start_backend(edges=2)
    backend.edges[0].set_faults(FaultConfig(corrupt=damage))
    report = asyncio.run(_play(backend, CLEAR, SessionOptions(fmt="dash")))
    assert report["errors"] == [] and report["decoder_errors"] == 0
    video = [s for s in report["segments"] if s["type"] == "video"]
    assert [s["index"] for s in video] == list(range(6))
    assert all(s["cdn"] == 1 for s in report["segments"])
    damaged = [r for r in backend.edges[0].requests if f"corrupt-{damage}" in r.faults]
    assert damaged and report["cdn_failovers"] >= 1
    assert report["played_s"] >= 11.0


def test_a_segment_corrupt_on_every_edge_is_tried_on_each_then_skipped_and_a_headless_run_exits_1(
        start_backend, tmp_path: Path) -> None:
    """Both edges send segment 3 (4–6 s, audio and video) as random bytes: `reelbox play --headless` fetches it
    from each edge, skips it with the hole in the report's errors, plays the rest, and exits 1 with one
    `error:` line naming the hole (IncompletePlay)."""
    backend = start_backend(edges=2)
    for edge in backend.edges:
        edge.set_faults(FaultConfig(corrupt="random", corrupt_match="/3.m4s"))
    report_file = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "ui", "play", CLEAR, "--headless", "--report", str(report_file), "--backend",
         backend.api_url], env=dict(os.environ, REELBOX_HOME=str(tmp_path / "home")), capture_output=True, text=True,
        timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr
    assert "incomplete play: segment 4.0–6.0 s skipped" in run.stderr
    report = json.loads(report_file.read_text())
    skipped = [e for e in report["errors"] if e["code"] == "SegmentSkipped"]
    assert skipped and all("4.0–6.0 s" in e["message"] for e in skipped), report["errors"]
    assert report["errors"][-1]["code"] == "IncompletePlay"
    video = [s["index"] for s in report["segments"] if s["type"] == "video"]
    assert video == [0, 1, 3, 4, 5], video  # the hole, and everything after it played
    for edge in backend.edges:  # each edge was asked for the broken segment and sent it broken
        assert [r for r in edge.requests if "corrupt-random" in r.faults], edge.url


def test_two_protected_plays_on_one_device_both_finish(start_backend) -> None:
    """Two plays of the protected title at once from one device (same device id): two sessions, each
    keeps its licence and its edge URLs, both play to the end."""
    backend = start_backend(edges=2)

    async def both() -> list[dict]:
        return list(await asyncio.gather(*(_play(backend, LOCKED, SessionOptions(fmt="dash")) for _ in range(2))))

    reports = asyncio.run(both())
    for report in reports:
        assert report["errors"] == [], report["errors"]
        assert report["license_ms"] is not None and report["played_s"] >= 11.0



async def _held(backend: Backend, options: SessionOptions, hold: str, hold_s: float) -> tuple[PlaybackSession, float]:
    """Play CLEAR; once its first frame is out, hold it for ``hold_s`` — ``libmpv``: pause libmpv behind the
    session's back (a decoder that stops), ``viewer``: the viewer's pause — then let it go on. Returns the
    session (its ``run()`` outcome in ``outcome``) and how long after the hold began the play ended."""
    client = BackendClient(backend.api_url)
    await client.login("demo@reelbox.local", "demo")
    session = PlaybackSession(target=CLEAR, options=options, backend=client)
    play = asyncio.ensure_future(session.run())
    try:
        await session.started.wait()
        while session.first_frame_position_s is None and not play.done():
            await asyncio.sleep(0.05)
        assert session.output is not None and not play.done()
        loop = asyncio.get_running_loop()
        held_at = loop.time()
        if hold == "libmpv":
            session.output.set_property("pause", True)
        else:
            session.pause(True)
        done, _ = await asyncio.wait({play}, timeout=hold_s)
        if not done and hold == "viewer":
            session.pause(False)
        await asyncio.wait({play}, timeout=60)
        assert play.done(), "the play neither ended nor failed"
        session.outcome = play.exception() or play.result()  # type: ignore[attr-defined]
        return session, loop.time() - held_at
    finally:
        await client.aclose()


def test_a_play_where_nothing_moves_ends_with_playback_stuck_saying_where(start_backend) -> None:
    """libmpv stops playing behind the session's back: the 12 s title is soon all buffered, nothing moves, and the
    play ends with PlaybackStuck once its limit (3 s here, a minute by default) has passed with nothing moving —
    where it hung before any such rule existed, with exit 0 never coming."""
    backend = start_backend(edges=1)
    session, took = asyncio.run(_held(backend, SessionOptions(fmt="dash", stuck_after_s=3.0), "libmpv", 60))
    error = session.outcome  # type: ignore[attr-defined]
    assert isinstance(error, PlaybackStuck), error
    assert "the playhead stood at" in str(error) and "s buffered" in str(error), error
    assert 3.0 <= took < 30.0, took
    assert [e["code"] for e in session.report()["errors"]] == ["PlaybackStuck"]
    assert "Playback stopped moving" in (sentence(error) or "")


def test_a_viewer_pause_longer_than_the_limit_is_not_a_stuck_play(start_backend) -> None:
    """The viewer pauses for three times the limit, then plays on: the title plays whole, with no error."""
    backend = start_backend(edges=1)
    session, _ = asyncio.run(_held(backend, SessionOptions(fmt="dash", stuck_after_s=2.0), "viewer", 6.0))
    report = session.outcome  # type: ignore[attr-defined]
    assert isinstance(report, dict), report
    assert report["errors"] == [] and report["played_s"] >= 11.0, report["errors"]

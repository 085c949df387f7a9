"""Whole-engine playback against the real backend: grant, manifests over the CDN pool, licence, scheduler, libmpv."""
from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import pytest

from backend_stub.edge.faults import FaultConfig
from backend_stub.server import Backend
from drm_client import LicenseDenied
from player.backend import BackendClient
from player.feed.errors import PlayerStartError
from player.playback import PlaybackSession, SessionOptions

pytestmark = pytest.mark.realtime

CLEAR, LOCKED = "engine-clear", "engine-locked"  # built by the engine_library fixture (conftest.py)


async def _play(backend: Backend, title: str, options: SessionOptions, *, login=("demo@reelbox.local", "demo"),
                during: Any = None) -> dict[str, Any]:
    client = BackendClient(backend.api_url)
    try:
        await client.login(*login)
        session = PlaybackSession(target=title, options=options, backend=client)
        if during is None:
            return await session.run()
        watcher = asyncio.create_task(during(session))
        try:
            return await session.run()
        finally:
            watcher.cancel()
    finally:
        await client.aclose()


def _edge_segment_bytes(backend: Backend) -> dict[str, int]:
    """Bytes each edge actually sent per media-segment path (init and manifests excluded), summed over edges."""
    sent: dict[str, int] = {}
    for edge in backend.edges:
        for request in edge.requests:
            if request.status in (200, 206) and request.method == "GET" and request.path.endswith(".m4s"):
                sent[request.path] = sent.get(request.path, 0) + request.bytes_sent
    return sent


@pytest.mark.parametrize("fmt", ["dash", "hls"])
@pytest.mark.parametrize("title", [CLEAR, LOCKED])
def test_title_plays_to_the_end_and_the_report_agrees_with_the_edges(start_backend, title: str, fmt: str):
    """Each title plays to its end in both formats with no stall or decoder error; segment bytes match the edge logs."""
    backend = start_backend(edges=2)
    report = asyncio.run(_play(backend, title, SessionOptions(fmt=fmt)))
    assert report["errors"] == []
    assert report["played_s"] >= 11.0
    assert report["decoder_errors"] == 0
    assert report["rebuffer_count"] == 0
    assert report["startup_ms"] is not None and report["startup_ms"] > 0
    if title == LOCKED:
        assert report["license_ms"] is not None and report["license_ms"] > 0
    video = [s for s in report["segments"] if s["type"] == "video"]
    assert [s["index"] for s in video] == list(range(6))
    reported = sum(s["bytes"] for s in report["segments"] if s["type"] in ("video", "audio"))
    assert reported == sum(_edge_segment_bytes(backend).values())


async def _two_segments_buffered(session: PlaybackSession) -> None:
    """Playing, with at least two segments buffered (the issue's premise for a failover without rebuffer)."""
    while (session.qoe.startup_at is None or session.scheduler is None
           or session.scheduler.buffer_s() < 2 * session.scheduler.segment_duration_s):
        await asyncio.sleep(0.02)


def test_playback_survives_an_edge_going_down_mid_play(start_backend):
    """The preferred edge goes down after startup: segments come from the other edge, no rebuffer, failover counted."""
    backend = start_backend(edges=2)

    async def kill_edge_after_startup(session: PlaybackSession) -> None:
        await _two_segments_buffered(session)
        await asyncio.to_thread(backend.edges[0].set_faults, FaultConfig(down=True))

    report = asyncio.run(_play(backend, CLEAR, SessionOptions(buffer_capacity_s=6.0), during=kill_edge_after_startup))
    assert report["errors"] == []
    assert report["cdn_failovers"] >= 1
    assert report["rebuffer_count"] == 0
    assert {s["cdn"] for s in report["segments"]} == {0, 1}
    assert report["played_s"] >= 11.0


def test_playback_survives_an_edge_that_stalls_mid_body(start_backend):
    """An edge that stops sending after 20 kB is detected as a stall and the segment comes from the other edge."""
    backend = start_backend(edges=2)

    async def stall_edge_after_startup(session: PlaybackSession) -> None:
        await _two_segments_buffered(session)
        await asyncio.to_thread(backend.edges[0].set_faults, FaultConfig(stall_after_bytes=20_000))

    report = asyncio.run(_play(backend, CLEAR, SessionOptions(buffer_capacity_s=8.0), during=stall_edge_after_startup))
    assert report["errors"] == []
    assert report["cdn_failovers"] >= 1
    assert report["rebuffer_count"] == 0
    assert report["played_s"] >= 11.0


def test_a_denied_licence_ends_the_session_with_its_reason(start_backend):
    """Keys asked under another title's playback session are refused: LicenseDenied with the server's code."""
    backend = start_backend(edges=1)

    async def scenario() -> dict[str, Any]:
        client = BackendClient(backend.api_url)
        try:
            await client.login("demo@reelbox.local", "demo")
            locked = await client.open_playback(LOCKED)
            other = await client.open_playback(CLEAR)
            session = PlaybackSession(target=LOCKED, backend=client, manifest_urls=locked.manifests)
            session.playback = dataclasses.replace(locked, session_id=other.session_id)
            return await session.run()
        finally:
            await client.aclose()

    with pytest.raises(LicenseDenied) as denied:
        asyncio.run(scenario())
    assert denied.value.code == "not_entitled"


def test_seek_pause_and_quality_pin_during_play(start_backend):
    """Seeking jumps the fetch to the target segment, pause holds the playhead, and a pinned rung is what gets fetched."""
    backend = start_backend(edges=1)
    seen: dict[str, Any] = {}

    async def drive(session: PlaybackSession) -> None:
        await session.started.wait()
        while session.qoe.startup_at is None:
            await asyncio.sleep(0.05)
        session.set_rendition(0)
        await session.seek(8.0)
        while session.playhead.awaiting_frame:
            await asyncio.sleep(0.05)
        seen["after_seek"] = session.first_frame_position_s
        session.pause(True)
        await asyncio.sleep(0.3)
        held = session.position()
        await asyncio.sleep(0.7)
        seen["pause_drift"] = session.position() - held
        seen["stats"] = session.stats()
        session.pause(False)

    report = asyncio.run(_play(backend, CLEAR, SessionOptions(buffer_capacity_s=4.0), during=drive))
    assert report["errors"] == [] and report["decoder_errors"] == 0
    after = [(s["type"], s["index"], s["start_s"]) for s in report["segments"] if s["start_s"] >= 6.0]
    assert 7.9 <= seen["after_seek"] <= 8.5, after
    assert abs(seen["pause_drift"]) < 0.05
    assert seen["stats"]["paused"] is True and seen["stats"]["forced_rung"] == 0
    late_video = [s for s in report["segments"] if s["type"] == "video" and s["start_s"] >= 8.0]
    assert late_video
    lowest = min(s["bitrate_kbps"] for s in report["segments"] if s["type"] == "video")
    assert all(s["bitrate_kbps"] == lowest for s in late_video)
    assert report["played_s"] < 11.0  # the skipped stretch was not played


def test_a_link_that_falls_below_the_rung_steps_down_instead_of_failing(start_backend):
    """With one CDN whose throughput collapses mid-play, a stalled segment is refetched at the lowest rung and play goes on.

    RobustMPC has no abandonment rule, so the stall floor is what catches the slow segment here; the
    default algorithm abandons it before the floor fires (tests/player/test_abandonment.py).
    """
    backend = start_backend(edges=1)

    async def throttle_after_startup(session: PlaybackSession) -> None:
        while session.scheduler is None or session.scheduler.current_rung in (None, 0):
            await asyncio.sleep(0.05)
        await asyncio.to_thread(backend.edges[0].set_faults, FaultConfig(rate_kbps=200))

    options = SessionOptions(buffer_capacity_s=6.0, until_s=10.0, abr="robust-mpc")
    report = asyncio.run(_play(backend, CLEAR, options, during=throttle_after_startup))
    assert report["errors"] == []
    assert report["emergency_downswitches"] >= 1
    video = [s for s in report["segments"] if s["type"] == "video"]
    lowest = min(s["bitrate_kbps"] for s in video)
    assert video[-1]["bitrate_kbps"] == lowest


def test_a_pinned_quality_shows_within_one_segment(start_backend):
    """Pinning a quality drops the media buffered ahead at others and refetches at the playhead (Shaka's
    ``clearBuffer``): libmpv's video-params show the pinned size within one segment + 1 s, not after the buffer."""
    backend = start_backend(edges=1)
    seen: dict[str, Any] = {}

    async def drive(session: PlaybackSession) -> None:
        await session.started.wait()
        while (session.output is None or session.scheduler is None or session.output.video_size is None
               or session.output.video_size[1] <= 144 or session.scheduler.buffer_s() < 4.0):
            await asyncio.sleep(0.02)
        lowest = session.scheduler.ladder[0]
        seen["buffered_s"] = session.scheduler.buffer_s()
        seen["segment_s"] = session.scheduler.segment_duration_s
        started = time.monotonic()
        session.set_rendition(0)
        while session.output.video_size != (lowest.width, lowest.height):
            await asyncio.sleep(0.01)
        seen["shown_after_s"] = time.monotonic() - started

    report = asyncio.run(_play(backend, CLEAR, SessionOptions(), during=drive))
    assert report["errors"] == [] and report["decoder_errors"] == 0
    print(f"pinned quality shown after {seen['shown_after_s']:.3f} s (buffer ahead was {seen['buffered_s']:.1f} s)")
    assert seen["buffered_s"] >= 4.0  # without the drop, the old quality would play for that long
    assert seen["shown_after_s"] <= seen["segment_s"] + 1.0


def test_libmpv_that_cannot_start_ends_the_session_with_nothing_left_running(start_backend):
    """libmpv refusing its options fails the run (PlayerStartError) once the manifests are in: the fetching
    started meanwhile is stopped, no task is left behind, and the session never had a running play."""
    backend = start_backend(edges=1)

    async def scenario() -> tuple[PlaybackSession, list[asyncio.Task[Any]]]:
        client = BackendClient(backend.api_url)
        try:
            await client.login("demo@reelbox.local", "demo")
            session = PlaybackSession(target=CLEAR, backend=client,
                                      options=SessionOptions(mpv_options={"no_such_option": "1"}))
            with pytest.raises(PlayerStartError):
                await session.run()
            return session, [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        finally:
            await client.aclose()

    session, left = asyncio.run(scenario())
    assert left == []
    assert session.running is None and session.output is None and session.scheduler is None
    assert session.pool is not None and any(str(r.kind) == "manifest" for r in session.pool.records)
    assert [e["code"] for e in session.report()["errors"]] == ["PlayerStartError"]

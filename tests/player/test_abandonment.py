"""ABR segment abandonment in the live engine, against a real backend edge whose rate collapses mid-play.

The scheduler shows each video download's progress to the default algorithm's ``abandon`` rule (as the
simulator does). The edge serves at 4 Mbit/s — the 12 s title's top rung (360p, ~1.1 Mbit/s) fits
with room to spare — and once the player is at the top rung the edge drops to 450 kbit/s: the next
top-rung request (planned on a 4 Mbit/s estimate) cannot arrive before a 4 s buffer runs dry, so it is
abandoned a few hundred ms in — before the stall floor (half the rung's rate, after 1 s) would have
fired — and the same segment is fetched lower down. 450 kbit/s carries the lowest rung and the audio,
so the title still plays to its end. The negative control is the same session without the drop.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from backend_stub.edge.faults import FaultConfig
from backend_stub.server import Backend
from player.backend_client import BackendClient
from player.session import PlaybackSession, SessionOptions

CLEAR = "engine-clear"  # 12 s, 2 s segments, 144/240/360p + audio (conftest.py)
BUFFER_S = 4.0
COMFORT_KBPS = 4000
COLLAPSE_KBPS = 450


async def _play(backend: Backend, during: Callable[[PlaybackSession], Awaitable[None]] | None
                ) -> tuple[dict[str, Any], PlaybackSession, list[dict[str, Any]]]:
    client = BackendClient(backend.api_url)
    try:
        await client.login("demo@reelbox.local", "demo")
        await asyncio.to_thread(backend.edges[0].set_faults, FaultConfig(rate_kbps=COMFORT_KBPS))
        session = PlaybackSession(target=CLEAR, options=SessionOptions(buffer_capacity_s=BUFFER_S), backend=client)
        notes: list[dict[str, Any]] = []
        session.qoe.listeners.append(lambda kind, _at, data: notes.append(data) if kind == "abandon" else None)
        watcher = asyncio.create_task(during(session)) if during else None
        try:
            report = await session.run()
        finally:
            if watcher is not None:
                watcher.cancel()
        return report, session, notes
    finally:
        await client.aclose()


def _check_played_through(report: dict[str, Any]) -> list[dict[str, Any]]:
    assert report["errors"] == []
    assert report["decoder_errors"] == 0
    assert report["played_s"] >= 11.0
    video = sorted((s for s in report["segments"] if s["type"] == "video"), key=lambda s: s["index"])
    assert [s["index"] for s in video] == list(range(6))  # every segment fed once: an abandoned one is not
    return video


def test_a_collapsing_link_abandons_the_top_rung_segment_and_refetches_it_lower(start_backend):
    """The rate drops under a top-rung request: it is abandoned, refetched lower, and the title plays to its end."""
    backend = start_backend(edges=1)

    async def collapse_at_the_top(session: PlaybackSession) -> None:
        while session.scheduler is None or session.scheduler.current_rung != len(session.scheduler.ladder) - 1:
            await asyncio.sleep(0.02)
        await asyncio.to_thread(backend.edges[0].set_faults, FaultConfig(rate_kbps=COLLAPSE_KBPS))

    report, session, notes = asyncio.run(_play(backend, collapse_at_the_top))
    video = _check_played_through(report)
    assert session.scheduler is not None
    ladder = session.scheduler.ladder
    print(f"abandonments={report['abandonments']} notes={notes} emergency={report['emergency_downswitches']} "
          f"rebuffer_s={report['rebuffer_s']} rates={[s['bitrate_kbps'] for s in video]}")

    assert report["abandonments"] >= 1 and len(notes) == report["abandonments"]
    for note in notes:
        assert 0 <= note["to_rung"] < note["from_rung"] and note["received"] > 0
        refetched = video[note["index"]]
        assert refetched["rendition"] != ladder[note["from_rung"]].id
        assert refetched["bitrate_kbps"] < ladder[note["from_rung"]].bandwidth / 1000.0
    # the cancelled requests are in the request log as aborted attempts: no failover, no error on the CDN
    aborted = [r for r in report["requests"] if r["aborted"]]
    assert len(aborted) >= report["abandonments"]
    assert all(r["kind"] == "segment" and r["cdn"] == 0 and r["failover_to"] is None for r in aborted)
    assert report["cdn_failovers"] == 0
    assert session.pool is not None and session.pool.health(0).consecutive_failures == 0


def test_a_comfortable_link_abandons_nothing(start_backend):
    """Negative control: the same session at 4 Mbit/s throughout reaches the top rung and abandons nothing."""
    backend = start_backend(edges=1)
    report, session, notes = asyncio.run(_play(backend, None))
    video = _check_played_through(report)
    assert report["abandonments"] == 0 and notes == []
    assert not any(r["aborted"] for r in report["requests"])
    assert session.scheduler is not None
    assert max(s["bitrate_kbps"] for s in video) == round(session.scheduler.ladder[-1].bandwidth / 1000.0, 1)

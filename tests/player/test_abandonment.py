"""ABR segment abandonment in the live engine, against a real backend edge whose rate collapses mid-play.

The scheduler shows each video download's progress to the default algorithm's ``abandon`` rule (as the
simulator does). The edge serves at 4 Mbit/s — the 12 s title's top rung (360p, ~1.1 Mbit/s) fits
with room to spare — and once the player is at the top rung the edge drops to 450 kbit/s: the next
top-rung request (planned on a 4 Mbit/s estimate) cannot arrive before a 4 s buffer runs dry, so it is
abandoned a few hundred ms in — before the stall floor (half the rung's rate, after 1 s) would have
fired — and the same segment is fetched lower down. 450 kbit/s carries the lowest rung and the audio,
so the title still plays to its end. The negative control (the same link without the drop) and the
abandonment logic itself run on ManualClock (tests/player/test_scheduler_clock.py); this is the smoke run.

Both play with resume sync and telemetry attached (as every front end does), so each also checks what
the QA engineer and the backend see of it: the HTML report's flags and the backend's QoE summary.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend_stub.edge.faults import FaultConfig
from backend_stub.server import Backend
from player.backend import BackendClient
from player.playback import PlaybackSession, SessionOptions
from player.qoe import DownloadAbandoned
from player.sync import attach_sync
from ui.report_html import render_report

pytestmark = pytest.mark.realtime

CLEAR = "engine-clear"  # 12 s, 2 s segments, 144/240/360p + audio (conftest.py)
BUFFER_S = 4.0
COMFORT_KBPS = 4000
COLLAPSE_KBPS = 450


async def _play(backend: Backend, during: Callable[[PlaybackSession], Awaitable[None]] | None, home: Path
                ) -> tuple[dict[str, Any], PlaybackSession, list[dict[str, Any]], dict[str, Any]]:
    """Play with sync attached; also returns the backend's view of the session (``GET /qoe`` and ``/metrics``)."""
    client = BackendClient(backend.api_url)
    try:
        await client.login("demo@reelbox.local", "demo")
        await asyncio.to_thread(backend.edges[0].set_faults, FaultConfig(rate_kbps=COMFORT_KBPS))
        session = PlaybackSession(target=CLEAR, options=SessionOptions(buffer_capacity_s=BUFFER_S), backend=client)
        notes: list[dict[str, Any]] = []
        session.qoe.listeners.append(
            lambda e: notes.append({**e.payload(), "received": e.received_bytes}) if isinstance(e, DownloadAbandoned)
            else None)
        handle = attach_sync(session, backend=client, home=home)
        watcher = asyncio.create_task(during(session)) if during else None
        try:
            report = await session.run()
        finally:
            if watcher is not None:
                watcher.cancel()
            await handle.aclose()
        async with httpx.AsyncClient(base_url=backend.api_url, timeout=10) as http:
            qoe = await http.get("/api/v1/qoe", params={"session_id": session.playback.session_id},
                                 headers={"Authorization": f"Bearer {client.access_token}"})
            metrics = await http.get("/metrics")
        return report, session, notes, {"qoe": qoe.json(), "metrics": metrics.text}
    finally:
        await client.aclose()


def _check_seen_by_qa_and_backend(report: dict[str, Any], seen: dict[str, Any]) -> None:
    """One HTML flag per abandonment (none without); the backend's summary and metrics count the same."""
    page = render_report(report)
    assert page.count('class="abandon"') == report["abandonments"] == len(report["abandon_events"])
    assert page.count('<tr class="aborted">') == sum(1 for r in report["requests"] if r["aborted"])
    assert seen["qoe"]["sessions"] == 1
    assert seen["qoe"]["titles"][CLEAR]["abandonments"] == report["abandonments"]
    m = re.search(rf'^reelbox_abr_abandonments_total{{title="{CLEAR}"}} (\d+)$', seen["metrics"], re.MULTILINE)
    assert m and int(m.group(1)) == report["abandonments"]


def _check_played_through(report: dict[str, Any]) -> list[dict[str, Any]]:
    assert report["errors"] == []
    assert report["decoder_errors"] == 0
    assert report["played_s"] >= 11.0
    video = sorted((s for s in report["segments"] if s["type"] == "video"), key=lambda s: s["index"])
    assert [s["index"] for s in video] == list(range(6))  # every segment fed once: an abandoned one is not
    return video


def test_a_collapsing_link_abandons_the_top_rung_segment_and_refetches_it_lower(start_backend, tmp_path):
    """The rate drops under a top-rung request: it is abandoned, refetched lower, and the title plays to its end."""
    backend = start_backend(edges=1)

    async def collapse_at_the_top(session: PlaybackSession) -> None:
        while session.scheduler is None or session.scheduler.current_rung != len(session.scheduler.ladder) - 1:
            await asyncio.sleep(0.02)
        await asyncio.to_thread(backend.edges[0].set_faults, FaultConfig(rate_kbps=COLLAPSE_KBPS))

    report, session, notes, seen = asyncio.run(_play(backend, collapse_at_the_top, tmp_path / "home"))
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
    assert [e["index"] for e in report["abandon_events"]] == [n["index"] for n in notes]
    _check_seen_by_qa_and_backend(report, seen)

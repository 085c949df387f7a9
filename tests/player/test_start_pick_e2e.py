"""Two plays in one process against a real edge (issue 19): the second starts at the rung the first measured.

Real backend and edge on 127.0.0.1, real libmpv; the memory is a real file. The loopback link carries every
rung, so the first play's estimate carries the top one."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from backend_stub.server import Backend
from player.backend import BackendClient
from player.playback import PlaybackSession, SessionOptions
from player.net.shaping import Shaping, shaped
from player.playback.throughput_memory import ThroughputMemory
from player.scheduling import Ladder

pytestmark = pytest.mark.realtime

CLEAR = "engine-clear"  # built by the engine_library fixture (conftest.py): 144/240/360p


async def _play(backend: Backend, memory: ThroughputMemory,
                emulated: bool = False) -> tuple[dict[str, Any], list[tuple[str, float]]]:
    """A 4 s play of the clear title (``emulated``: over QA's emulated link): its report and the ladder's
    (rendition id, kbit/s), lowest first."""
    client = BackendClient(backend.api_url)
    try:
        await client.login("demo@reelbox.local", "demo")
        options = SessionOptions(until_s=4.0, throughput_memory=memory,
                                 wrap_transport=shaped(Shaping(extra_latency_s=0.002)) if emulated else None)
        session = PlaybackSession(target=CLEAR, options=options, backend=client)
        report = await session.run()
        assert session.presentation is not None
        return report, [(r.id, r.bandwidth / 1000.0) for r in Ladder.of(session.presentation, None).renditions]
    finally:
        await client.aclose()


def _video(report: dict[str, Any]) -> list[str]:
    assert report["errors"] == [] and report["complete"], report["errors"]
    return [s["rendition"] for s in report["segments"] if s["type"] == "video"]


def test_the_second_play_starts_at_the_rung_the_first_measured(start_backend, tmp_path: Path) -> None:
    """First play: no estimate, the bottom rung first, and the link's estimate is kept. Second play: its
    first segment at the top rung (the estimate carries it), so no switch is reported."""
    backend = start_backend(edges=1)
    memory = ThroughputMemory(tmp_path / "throughput.json")
    first, ladder = asyncio.run(_play(backend, memory))
    assert _video(first)[0] == ladder[0][0] and first["start_estimate_kbps"] is None
    kept = json.loads((tmp_path / "throughput.json").read_text())
    assert list(kept) == ["127.0.0.1"] and kept["127.0.0.1"]["kbps"] > 1000.0
    second, _ = asyncio.run(_play(backend, memory))
    assert _video(second)[0] == ladder[-1][0]
    assert second["switches"] == 0 and second["rebuffer_count"] == 0
    assert second["start_estimate_kbps"] == kept["127.0.0.1"]["kbps"]  # the report says where the start came from


def test_a_stale_or_too_small_estimate_starts_as_without_or_lower(start_backend, tmp_path: Path) -> None:
    """An estimate older than the age limit: the bottom rung, as with none. One that carries only the middle
    rung (the top rung's own bitrate, under the 10 % margin): the middle rung."""
    backend = start_backend(edges=1)
    path = tmp_path / "throughput.json"
    path.write_text(json.dumps({"127.0.0.1": {"kbps": 1e6, "at": 1000.0}}))  # from 1970: stale
    stale, ladder = asyncio.run(_play(backend, ThroughputMemory(path)))
    assert _video(stale)[0] == ladder[0][0]
    memory = ThroughputMemory(None)
    memory.remember(f"{backend.api_url}/x", ladder[-1][1], age_s=0.0)
    lower, _ = asyncio.run(_play(backend, memory))
    assert _video(lower)[0] == ladder[1][0] and lower["start_estimate_kbps"] == round(ladder[-1][1], 1)


def test_an_emulated_link_neither_starts_from_nor_leaves_an_estimate(start_backend) -> None:
    """QA's shaped link is not the viewer's: a fresh estimate that carries the top rung is not used, and the
    play's own estimate is not kept."""
    backend = start_backend(edges=1)
    memory = ThroughputMemory(None)
    memory.remember(f"{backend.api_url}/x", 1e6, age_s=0.0)
    shaped_play, ladder = asyncio.run(_play(backend, memory, emulated=True))
    assert _video(shaped_play)[0] == ladder[0][0] and shaped_play["start_estimate_kbps"] is None
    assert memory.recall(backend.api_url) is not None and memory.recall(backend.api_url).kbps == 1e6

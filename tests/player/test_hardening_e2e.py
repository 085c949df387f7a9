"""Issue 16 end to end with the real engine: corrupt segments fail over, two protected plays on one device."""
from __future__ import annotations

import asyncio

import pytest

from backend_stub.edge.faults import FaultConfig
from backend_stub.server import Backend
from player.backend import BackendClient
from player.playback import PlaybackSession, SessionOptions

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


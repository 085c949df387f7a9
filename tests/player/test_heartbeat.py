"""The player's heartbeat against a real backend (issue 16): renewed while it can be, else SessionLost."""
from __future__ import annotations

import asyncio

from player.backend import BackendClient
from player.net import ManualClock
from player.playback.heartbeat import SESSION_TTL_S, SessionLost, keep_alive

CLEAR = "engine-clear"


async def _beat_until_lost(api_url: str, session_of, timeout_s: float = 30.0) -> tuple[list[BaseException], float]:  # type: ignore[no-untyped-def]
    """Run keep_alive on a ManualClock (virtual sleeps) until it reports a loss; (losses, virtual seconds)."""
    client = BackendClient(api_url)
    clock = ManualClock()
    lost: list[BaseException] = []
    try:
        await client.login("demo@reelbox.local", "demo")
        session_id = await session_of(client)
        await asyncio.wait_for(keep_alive(client, session_id, clock, lost.append), timeout_s)
    finally:
        await client.aclose()
    return lost, clock.now() - 1000.0


def test_a_session_the_backend_ended_stops_playback_with_session_lost(start_backend) -> None:
    """The server forgot the session (ended elsewhere): the next heartbeat's 403 becomes SessionLost at once."""
    backend = start_backend(edges=1)

    async def ended(client: BackendClient) -> str:
        grant = await client.open_playback(CLEAR)
        await client.end_playback(grant.session_id)
        return grant.session_id

    lost, seconds = asyncio.run(_beat_until_lost(backend.api_url, ended))
    assert len(lost) == 1 and isinstance(lost[0], SessionLost) and "no_session" in str(lost[0])
    assert seconds < 25


def test_an_unreachable_backend_is_retried_until_the_session_would_expire(start_backend) -> None:
    """The backend stops answering: heartbeats are retried with back-off, and SessionLost comes before the TTL."""
    backend = start_backend(edges=1)

    async def then_gone(client: BackendClient) -> str:
        grant = await client.open_playback(CLEAR)
        backend.stop()
        return grant.session_id

    lost, seconds = asyncio.run(_beat_until_lost(backend.api_url, then_gone))
    assert len(lost) == 1 and isinstance(lost[0], SessionLost) and "could not be renewed" in str(lost[0])
    assert 20 + 8 < seconds <= 20 + SESSION_TTL_S  # several retries, and given up before the server's TTL

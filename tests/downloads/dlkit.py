"""Helpers for the download tests: sign in, download synchronously, play a download headless."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from backend_stub.config import ApiSettings
from downloads import DownloadManager
from player.backend import BackendClient

CLEAR = "dl-clear"
LOCKED = "dl-locked"
REPO = Path(__file__).resolve().parents[2]
FAST = ApiSettings(argon2_time_cost=1, argon2_memory_kib=8 * 1024)
# What plaintext shows, in groups that always come together (a fragment's moof and mdat, an init's ftyp
# and moov, WebVTT's header or a cue's arrow). A short mark alone proves nothing: in a sealed 500 kB
# segment a given 4-byte box type turns up by chance about once in 8,000 files, and "-->" once in 30
# (it did, failing a CI run).
PLAINTEXT_MARKS = ((b"moof", b"mdat"), (b"ftyp", b"moov"), (b"WEBVTT",), (b" --> ",))


async def signed_in(api_url: str) -> BackendClient:
    client = BackendClient(api_url)
    await client.login("demo@reelbox.local", "demo")
    return client


def download(manager: DownloadManager, api_url: str, title_id: str, **kwargs: Any) -> Any:
    """Sign in and download ``title_id`` synchronously (kwargs to ``DownloadManager.download``)."""
    async def run() -> Any:
        client = await signed_in(api_url)
        try:
            return await manager.download(client, title_id, **kwargs)
        finally:
            await client.aclose()

    return asyncio.run(run())


def play_offline(manager: DownloadManager, asset_id: str) -> dict[str, Any]:
    """Play a download headless (libmpv vo=null ao=null) to its end; the QoE report."""
    from player.playback import PlaybackSession

    playback = manager.open_offline(asset_id)
    try:
        session = PlaybackSession(target=asset_id, source=playback.source, presentation=playback.presentation,
                                  keys=playback.keys)
        return asyncio.run(session.run())
    finally:
        playback.close()


def plaintext_marks(path: Path) -> list[bytes]:
    """MP4 box types and WebVTT text found in a file's bytes (each only with the rest of its group)."""
    data = path.read_bytes()
    return [mark for group in PLAINTEXT_MARKS if all(m in data for m in group) for mark in group]


def admin_faults(api_url: str, edge: int, body: dict[str, Any]) -> None:
    """Set an edge's faults through the admin API (as the demo admin)."""
    import httpx

    token = httpx.post(f"{api_url}/api/v1/auth/login", json={"email": "demo@reelbox.local", "password": "demo"},
                       timeout=10).json()["access_token"]
    reply = httpx.post(f"{api_url}/api/v1/admin/edges/{edge}/faults", json=body, timeout=10,
                       headers={"Authorization": f"Bearer {token}"})
    reply.raise_for_status()

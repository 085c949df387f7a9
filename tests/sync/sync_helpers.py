"""Shared steps for the sync tests: sign in, play a title with sync attached, read the backend's tables."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from backend_stub.config import DEMO_EMAIL, DEMO_PASSWORD
from player.backend import BackendClient
from player.playback import PlaybackSession, SessionOptions
from player.sync import SyncConfig, SyncHandle, attach_sync
from testkit import free_port, sqlite_at  # noqa: F401 (free_port: re-exported for the sync tests)

CLEAR = "sync-clear"
LOCKED = "sync-locked"
FAST_SYNC = SyncConfig(idle_s=0.5)


async def signed_in(api_url: str) -> BackendClient:
    client = BackendClient(api_url)
    await client.login(DEMO_EMAIL, DEMO_PASSWORD)
    return client


async def play_with_sync(backend: BackendClient, title: str, home: Path, *, until_s: float | None = None,
                         start_s: float | None = None, sync_backend: BackendClient | None = None,
                         config: SyncConfig = FAST_SYNC, wall: Any = None,
                         during: Any = None) -> tuple[dict[str, Any], SyncHandle, PlaybackSession]:
    """Play ``title`` (real libmpv, vo/ao null) with sync attached; returns (QoE report, closed handle, session)."""
    import time

    session = PlaybackSession(target=title, options=SessionOptions(until_s=until_s, start_s=start_s), backend=backend)
    handle = attach_sync(session, backend=sync_backend or backend, home=home, config=config,
                         wall=wall or time.time)
    report = await (session.run() if during is None else during(session))
    await handle.aclose()
    return report, handle, session


def backend_rows(data_dir: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite_at(data_dir / "backend.sqlite") as conn:
        return conn.execute(sql, args).fetchall()

"""Shared steps for the sync tests: sign in, play a title with sync attached, read the backend's tables."""
from __future__ import annotations

import random
import socket
from pathlib import Path
from typing import Any

from backend_stub.config import DEMO_EMAIL, DEMO_PASSWORD
from player.backend import BackendClient
from player.playback import PlaybackSession, SessionOptions
from player.sync import SyncConfig, SyncHandle, attach_sync
from testkit import sqlite_at

CLEAR = "sync-clear"
LOCKED = "sync-locked"
FAST_SYNC = SyncConfig(idle_s=0.5)


def free_port(span: int = 3) -> int:
    """A port free with the ``span - 1`` after it (a backend's edges listen on port+1...), below Linux's
    ephemeral range (32768+), so no outgoing connection takes one of them between a stop and a restart."""
    for _ in range(200):
        base = random.randrange(20_000, 32_000 - span)
        socks = [socket.socket() for _ in range(span)]
        try:
            for i, s in enumerate(socks):
                s.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port span below the ephemeral range")


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

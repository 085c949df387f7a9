"""Offline: what is made while the backend is away arrives after it returns — in order, once — even across SIGKILL."""
from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sync_helpers import CLEAR, backend_rows, free_port, signed_in
from testkit import sqlite_at

from player.backend import BackendClient
from player.playback import PlaybackSession, SessionOptions
from player.sync import Backoff, SyncConfig, attach_sync, open_sync

WANT = 12  # committed events before the kill: segments are flowing by then
QUICK = SyncConfig(idle_s=0.3, backoff=Backoff(base_s=0.1, cap_s=0.4))


def test_progress_and_telemetry_made_offline_arrive_in_order_without_duplicates(start_backend, tmp_path: Path) -> None:
    """With the API down, a session's events and positions queue up; once it is back they land in order, once."""
    playing = start_backend()  # edges + grant for the engine
    port = free_port()  # the sync endpoint: down until we start a backend on it over the same data
    home = tmp_path / "home"

    async def offline_session() -> tuple[dict, int, int]:
        client = await signed_in(playing.api_url)
        sync_client = await signed_in(playing.api_url)
        sync_client.api_url = f"http://127.0.0.1:{port}"  # same account and token, unreachable API
        session = PlaybackSession(target=CLEAR, options=SessionOptions(until_s=6.0), backend=client)
        handle = attach_sync(session, backend=sync_client, home=home, config=QUICK)

        async def drive() -> dict:
            run = asyncio.create_task(session.run())
            await session.started.wait()
            await asyncio.sleep(1.5)
            session.pause(True)
            await asyncio.sleep(0.3)
            session.pause(False)
            await session.seek(3.0)
            return await run

        report = await drive()
        await asyncio.to_thread(handle.writer.flush)
        queued = handle.outbox.pending()
        queued_progress = handle.outbox.pending("progress")
        await handle.aclose(deliver=False)
        await client.aclose()
        await sync_client.aclose()
        return report, queued, queued_progress

    report, queued, queued_progress = asyncio.run(offline_session())
    assert queued_progress >= 3  # pause, seek, end at least
    with sqlite_at(home / "state" / "sync.sqlite") as conn:
        made = [(k, json.loads(b)) for k, b in conn.execute("SELECT kind, body FROM outbox ORDER BY id")]
    assert len(made) == queued
    assert backend_rows(playing.data_dir, "SELECT COUNT(*) FROM telemetry") == [(0,)]

    back = start_backend(data=playing.data_dir, port=port, edges=1)  # the API returns

    async def reconnect() -> bool:
        client = BackendClient(back.api_url)
        from backend_stub.config import DEMO_EMAIL, DEMO_PASSWORD

        await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        handle = open_sync(backend=client, home=home, config=QUICK)
        ok = await handle.flush()
        answers = handle.uploader.progress_answers
        await handle.aclose()
        await client.aclose()
        assert [a["applied"] for a in answers] == [True] * queued_progress
        return ok

    assert asyncio.run(reconnect())
    events = [e for k, e in made if k == "telemetry"]
    rows = backend_rows(playing.data_dir, "SELECT event_id, payload FROM telemetry ORDER BY rowid")
    assert [r[0] for r in rows] == [e["event_id"] for e in events]  # all, once each, in the order made
    seqs = [json.loads(p)["seq"] for _, p in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    last = [b for k, b in made if k == "progress"][-1]
    (row,) = backend_rows(playing.data_dir, "SELECT position_s, seq, version FROM progress WHERE title_id = ?", (CLEAR,))
    assert row == (last["position_s"], last["seq"], queued_progress)  # replayed in order: the last one stands
    assert report["played_s"] > 2.0


def test_sigkill_mid_session_loses_no_committed_event(start_backend, tmp_path: Path) -> None:
    """A client killed with SIGKILL mid-session: every event it had committed reaches the backend on the next run."""
    backend = start_backend()
    home = tmp_path / "home"
    here = Path(__file__).parent  # the child imports sync_helpers, which imports ../testkit
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here), str(here.parent), os.getcwd()])}
    child = subprocess.Popen([sys.executable, str(Path(__file__).parent / "sync_child.py"), backend.api_url,
                              str(home), CLEAR], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    committed: list[str] = []
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()
    assert child.stdout is not None
    threading.Thread(target=lambda: [lines.put(x) for x in child.stdout], daemon=True).start()
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and len(committed) < WANT:  # mid-session: the title is 12 s long
            try:
                committed.append(lines.get(timeout=1.0).split()[1])
            except queue.Empty:
                continue
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
    assert len(committed) >= WANT, "child never got going"
    with sqlite_at(home / "state" / "sync.sqlite") as conn:
        queued = dict(conn.execute("SELECT event_id, kind FROM outbox ORDER BY id").fetchall())
    assert set(committed) <= set(queued)  # nothing committed went missing from the file (idle_s: none sent yet)

    async def next_run() -> bool:
        client = await signed_in(backend.api_url)
        handle = open_sync(backend=client, home=home, config=QUICK)
        ok = await handle.flush()
        await handle.aclose()
        await client.aclose()
        return ok

    assert asyncio.run(next_run())  # the queue drained
    with sqlite_at(home / "state" / "sync.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM rejected").fetchone() == (0,)
    at_backend = [r[0] for r in backend_rows(backend.data_dir, "SELECT event_id FROM telemetry ORDER BY rowid")]
    committed_events = [e for e in committed if queued[e] == "telemetry"]
    assert at_backend == committed_events or set(committed_events) <= set(at_backend)
    assert len(at_backend) == len(set(at_backend)) >= WANT - 2

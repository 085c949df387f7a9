"""No database work on the API's event loop (issue 16): a query that waits for SQLite holds up only itself."""
from __future__ import annotations

import concurrent.futures
import sqlite3
import time

import httpx
from backend_testkit import CLEAR_ID, register_and_login

from backend_stub.server import Backend


def test_a_request_waiting_for_the_database_does_not_hold_the_others(reelbox_backend: Backend) -> None:
    """While another writer holds the database's write lock, a progress write waits for it (on the database
    thread); meanwhile the API still answers a catalog read and ``/metrics`` — with the write on the loop,
    as before, they would have waited for the lock too. Once the lock is released the write is applied."""
    with httpx.Client(base_url=reelbox_backend.api_url + "/api/v1", timeout=30) as api:
        headers = register_and_login(api, "loop@example.org", plan="premium")["headers"]
        body = {"position_s": 3.0, "duration_s": 12.0, "device_id": "d", "client_ts": 1.0, "event_id": "e1"}
        assert api.put(f"/progress/{CLEAR_ID}", json=body, headers=headers).json()["applied"]  # tables migrated
        body = {**body, "position_s": 4.0, "client_ts": 2.0, "event_id": "e2"}
        holder = sqlite3.connect(reelbox_backend.data_dir / "backend.sqlite", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write lock: the API's BEGIN IMMEDIATE waits (busy_timeout 5 s)
        try:
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                write = pool.submit(api.put, f"/progress/{CLEAR_ID}", json=body, headers=headers)
                while not write.done() and reelbox_backend.ctx is not None and reelbox_backend.ctx.database.pending == 0:
                    time.sleep(0.005)  # until the write has reached the database thread
                catalog = api.get("/catalog")
                metrics = httpx.get(reelbox_backend.api_url + "/metrics", timeout=30)
                assert not write.done(), "the write did not wait for the lock: the test proves nothing"
                assert catalog.status_code == 200 and catalog.json()["total"] >= 2
                assert metrics.status_code == 200
                holder.execute("COMMIT")
                assert write.result().status_code == 200 and write.result().json()["applied"]
        finally:
            holder.close()

"""Small helpers for backend tests (importable because pytest puts this folder on sys.path)."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx

CLEAR_ID = "clear-title"  # the two titles of the ``title_library`` fixture (conftest.py)
PROTECTED_ID = "locked-title"


def register_and_login(client: httpx.Client, email: str, *, plan: str = "basic", password: str = "pw-secret-1") -> dict[str, Any]:
    """Create an account and log in; returns the login answer plus ``headers`` for Bearer auth."""
    r = client.post("/auth/register", json={"email": email, "password": password, "plan": plan})
    assert r.status_code == 201, r.text
    r = client.post("/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    body = r.json()
    body["headers"] = {"Authorization": f"Bearer {body['access_token']}"}
    return body


def demo_headers(client: httpx.Client) -> dict[str, str]:
    r = client.post("/auth/login", json={"email": "demo@reelbox.local", "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def wall_clock() -> float:
    """Now, for seeding a ManualClock (tests only)."""
    return time.time()


def processes_mentioning(text: str) -> list[tuple[int, str]]:
    """(pid, command line) of live processes whose command line contains ``text`` (leftover check)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            found.append((int(entry.name), cmd))
    return found


def processes_in_session(sid: int) -> list[int]:
    """PIDs whose session id is ``sid`` (children a process left behind keep its session)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid:  # state ppid pgrp session
            pids.append(int(entry.name))
    return pids


def insert_titles(data_dir: Path, rows: list[dict[str, Any]]) -> None:
    """Insert catalog rows as the encoder would publish them (``BEGIN IMMEDIATE``: the ingest worker writes too)."""
    import sqlite3

    from backend_stub.db import open_db

    open_db(data_dir).conn.close()
    conn = sqlite3.connect(data_dir / "backend.sqlite", isolation_level=None, timeout=10)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for row in rows:
            cols = ", ".join(f'"{c}"' for c in row)
            conn.execute(f"INSERT INTO titles ({cols}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
        conn.execute("COMMIT")
    finally:
        conn.close()

"""Database: the API's SQLite work, done on a few threads of its own, never on the event loop (issue 16).

Why: a query run on the event loop holds every other request for its whole duration, so a flood of
catalog searches, progress writes or logins (each looks an account up) made a new play wait behind
it. Routes ``await ctx.database.run(fn, ...)``: ``fn(db, ...)`` runs on one of ``threads`` worker
threads, each with its own connection, so a transaction (progress's ``BEGIN IMMEDIATE``) never shares
a connection with another call, and a write waiting for SQLite's lock (the encoder or the telemetry
writer holding it) holds up neither the loop nor the reads on the other threads (WAL). The queue is
bounded: past ``max_pending`` calls waiting, a request gets :class:`~backend_stub.api.errors.Busy`
(503) at once instead of piling up. Start-up code, before the loop runs, uses :meth:`call`.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import sqlite_utils

from backend_stub.api.errors import Busy

P = ParamSpec("P")
T = TypeVar("T")
THREADS = 4
MAX_PENDING = 256


class Database:
    def __init__(self, connect: Callable[[], sqlite_utils.Database], *, threads: int = THREADS,
                 max_pending: int = MAX_PENDING) -> None:
        self._connect = connect
        self._max = max_pending
        self._pending = 0  # touched from the event loop only
        self._local = threading.local()
        self._opened: list[sqlite_utils.Database] = []
        self._lock = threading.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="reelbox-db")

    @property
    def pending(self) -> int:
        """Calls queued or running now (from the loop)."""
        return self._pending

    def _db(self) -> sqlite_utils.Database:
        """This worker thread's connection, opened on first use."""
        db: sqlite_utils.Database | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
            with self._lock:
                self._opened.append(db)
        return db

    def _call(self, fn: Callable[..., T], args: tuple[object, ...], kwargs: dict[str, object]) -> T:
        return fn(self._db(), *args, **kwargs)

    async def run(self, fn: Callable[Concatenate[sqlite_utils.Database, P], T], *args: P.args,
                  **kwargs: P.kwargs) -> T:
        """``fn(db, *args, **kwargs)`` on a worker thread; Busy when too many calls wait already."""
        if self._pending >= self._max:
            raise Busy("the server is busy; try again shortly", retry_after_s=1.0)
        self._pending += 1
        try:
            return await asyncio.wrap_future(self._pool.submit(self._call, fn, args, kwargs))
        finally:
            self._pending -= 1

    def call(self, fn: Callable[Concatenate[sqlite_utils.Database, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """The same from a thread with no running loop (start-up), waiting for the answer."""
        return self._pool.submit(self._call, fn, args, kwargs).result()

    def close(self) -> None:
        """Finish what is queued, stop the threads, close their connections."""
        self._pool.shutdown(wait=True)
        with self._lock:
            opened, self._opened = self._opened, []
        for db in opened:
            db.conn.close()

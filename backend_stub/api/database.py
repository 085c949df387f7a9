"""Database: the API's one SQLite connection, used only from its own worker thread (issue 16).

Why: a query run on the event loop holds every other request for its whole duration, so a flood of
catalog searches, progress writes or logins (each looks an account up) made a new play wait behind
it. Routes ``await ctx.database.run(fn, ...)``: ``fn(db, ...)`` runs on the worker, one call at a
time in arrival order, so a transaction (progress's ``BEGIN IMMEDIATE``) never interleaves with
another call on the same connection, and the loop stays free. The queue is bounded: past
``max_pending`` calls waiting, a request gets :class:`~backend_stub.api.errors.Busy` (503) at once
instead of piling up. Start-up code, before the loop runs, uses :meth:`call`.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import sqlite_utils

from backend_stub.api.errors import Busy

P = ParamSpec("P")
T = TypeVar("T")
MAX_PENDING = 256


class Database:
    def __init__(self, db: sqlite_utils.Database, *, max_pending: int = MAX_PENDING) -> None:
        self._db = db
        self._max = max_pending
        self._pending = 0  # touched from the event loop only
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="reelbox-db")

    @property
    def pending(self) -> int:
        """Calls queued or running now."""
        return self._pending

    async def run(self, fn: Callable[Concatenate[sqlite_utils.Database, P], T], *args: P.args,
                  **kwargs: P.kwargs) -> T:
        """``fn(db, *args, **kwargs)`` on the worker thread; Busy when too many calls wait already."""
        if self._pending >= self._max:
            raise Busy("the server is busy; try again shortly", retry_after_s=1.0)
        self._pending += 1
        try:
            return await asyncio.wrap_future(self._pool.submit(fn, self._db, *args, **kwargs))
        finally:
            self._pending -= 1

    def call(self, fn: Callable[Concatenate[sqlite_utils.Database, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """The same from a thread with no running loop (start-up), waiting for the answer."""
        return self._pool.submit(fn, self._db, *args, **kwargs).result()

    def close(self) -> None:
        """Finish what is queued, then close the connection on the worker."""
        try:
            self._pool.submit(lambda: self._db.conn.close()).result()
        except RuntimeError:  # closed before
            return
        self._pool.shutdown(wait=True)

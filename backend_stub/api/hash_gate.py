"""HashGate: a bound on concurrent password hashes (issue 16, item 2).

Each argon2id hash takes 64 MiB and tens of milliseconds of a core; 200 concurrent logins took the
process from 105 MB to 2.5 GB. At most ``concurrent`` hashes run (in worker threads, off the loop), at
most ``waiting`` more queue for a slot, and anything beyond gets :class:`Busy` (503 with Retry-After)
at once, before any memory is spent. Used from the API's event loop only.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from backend_stub.api.errors import Busy

T = TypeVar("T")


class HashGate:
    def __init__(self, *, concurrent: int, waiting: int) -> None:
        self._slots = asyncio.Semaphore(concurrent)
        self._limit = concurrent + waiting
        self._admitted = 0

    def admit(self) -> None:
        """Claim a place or raise Busy; pair with :meth:`run` (which gives the place back) or :meth:`release`."""
        if self._admitted >= self._limit:
            raise Busy("the server is busy checking passwords; try again shortly", retry_after_s=1.0)
        self._admitted += 1

    def release(self) -> None:
        """Give back a place claimed by :meth:`admit` that will not :meth:`run` (the request failed before)."""
        self._admitted -= 1

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(*args)`` in a worker thread once a slot is free (after :meth:`admit`)."""
        try:
            async with self._slots:
                return await run_in_threadpool(fn, *args)
        finally:
            self._admitted -= 1

"""Content keys for a session, asked for once and awaited by the scheduler when a protected segment
needs one (DESIGN.md: the licence exchange runs in parallel with the first segment fetches)."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable

from drm_client import KeyRing
from player.errors import PlaybackError


class Keys:
    """The key ring to come (a licence exchange, or an offline licence), or none for a clear title."""

    def __init__(self, pending: Awaitable[KeyRing] | None = None) -> None:
        self._task: asyncio.Future[KeyRing] | None = None if pending is None else asyncio.ensure_future(pending)

    @classmethod
    def ready(cls, ring: KeyRing) -> Keys:
        async def have() -> KeyRing:
            return ring

        return cls(have())

    def pending(self) -> bool:
        """A licence exchange is still under way (its own retries and timeouts bound it)."""
        return self._task is not None and not self._task.done()

    async def ring(self) -> KeyRing:
        if self._task is None:
            raise PlaybackError("this title is protected but no licence was requested")
        return await self._task

    async def aclose(self) -> None:
        """Stop a pending exchange and wipe the keys from memory."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(BaseException):
            (await self._task).clear()

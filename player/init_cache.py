"""Init segments fetched once per play, shared by whoever asks first.

Two parts of a play need the same inits: the licence path of a stream whose key IDs only its inits name
(Shaka Packager's HLS: ``segment_keys.init_kids``) and the scheduler's runs (a seek's new run too). The
licence exchange runs in parallel with the first segment fetches (DESIGN.md data flow), so both ask for
an init at about the same moment: a fetch in flight is joined, not repeated.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

from player.manifest import SegmentRef

InitKey = tuple[str, str]  # (kind, init URL + byte range)


def init_key(kind: str, ref: SegmentRef) -> InitKey:
    """Where an init comes from, as the cache knows it."""
    return kind, ref.urls[0] + (ref.byte_range.header() if ref.byte_range else "")


class InitCache:
    """Init bodies by :func:`init_key`, and the fetches of them in flight."""

    def __init__(self) -> None:
        self._bodies: dict[InitKey, bytes] = {}
        self._pending: dict[InitKey, asyncio.Future[bytes]] = {}
        self._waiting: Counter[InitKey] = Counter()

    def __contains__(self, key: InitKey) -> bool:
        return key in self._bodies

    async def get(self, key: InitKey, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        """The init's bytes: kept, else those of the fetch in flight, else ``fetch()``'s. A failed fetch is not
        kept (the next caller tries again); a fetch whose every caller was cancelled is cancelled."""
        body = self._bodies.get(key)
        if body is not None:
            return body
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.ensure_future(fetch())
            pending.add_done_callback(lambda done: self._settled(key, done))
        self._waiting[key] += 1
        try:
            return await asyncio.shield(pending)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key] and not pending.done():
                del self._pending[key]  # a caller arriving later starts afresh, never joins a cancelled fetch
                pending.cancel()

    def _settled(self, key: InitKey, done: asyncio.Future[bytes]) -> None:
        if self._pending.get(key) is done:
            del self._pending[key]
        if not done.cancelled() and done.exception() is None:
            self._bodies[key] = done.result()

"""The play's init cache (``player.init_cache``): one fetch per init, joined while in flight; failures and
abandoned fetches are not kept."""
from __future__ import annotations

import asyncio

import pytest

from player.init_cache import InitCache

KEY = ("video", "http://cdn.test/v/init.mp4")


class _Origin:
    """Counts fetches; each waits for ``release`` before answering (or failing)."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.cancelled = 0
        self.fail = fail
        self.release = asyncio.Event()

    async def fetch(self) -> bytes:
        self.calls += 1
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if self.fail:
            raise OSError("edge down")
        return b"moov"


def test_callers_of_one_init_in_flight_share_its_fetch() -> None:
    """The licence path and the scheduler asking at once: one request, both get the bytes; later ones none."""
    async def run() -> None:
        cache, origin = InitCache(), _Origin()
        both = asyncio.gather(cache.get(KEY, origin.fetch), cache.get(KEY, origin.fetch))
        await asyncio.sleep(0)
        origin.release.set()
        assert await both == [b"moov", b"moov"]
        assert await cache.get(KEY, origin.fetch) == b"moov"
        assert origin.calls == 1 and KEY in cache

    asyncio.run(run())


def test_a_failed_fetch_is_not_kept() -> None:
    async def run() -> None:
        cache, broken = InitCache(), _Origin(fail=True)
        broken.release.set()
        with pytest.raises(OSError):
            await cache.get(KEY, broken.fetch)
        working = _Origin()
        working.release.set()
        assert await cache.get(KEY, working.fetch) == b"moov" and working.calls == 1

    asyncio.run(run())


def test_a_fetch_is_cancelled_only_when_every_caller_was() -> None:
    """An abandoned segment cancels its init fetch, unless another caller still waits for it; a caller after a
    cancelled fetch starts a new one instead of joining it."""
    async def run() -> None:
        cache, origin = InitCache(), _Origin()
        first, second = (asyncio.ensure_future(cache.get(KEY, origin.fetch)) for _ in range(2))
        await asyncio.sleep(0)
        first.cancel()
        await asyncio.sleep(0)
        assert origin.cancelled == 0
        second.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
        await asyncio.sleep(0)
        assert origin.cancelled == 1 and KEY not in cache
        origin.release.set()
        assert await cache.get(KEY, origin.fetch) == b"moov" and origin.calls == 2

    asyncio.run(run())

"""A real session played to its end while libmpv's state is read as soon as it shows something (shared by the tests)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from player.feed.mpv_output import MpvOutput
from player.playback import PlaybackSession, SessionOptions

T = TypeVar("T")


async def play_watching(url: str, options: SessionOptions,
                        read: Callable[[MpvOutput], T | None]) -> tuple[dict[str, Any], T | None]:
    """The report, and the first value ``read`` returned that was not None/empty while libmpv played."""
    session = PlaybackSession(target=url, manifest_urls=[url], options=options)
    seen: list[T] = []

    async def watch() -> None:
        await session.started.wait()
        while not seen and session.output is not None:
            value = read(session.output)
            if value:
                seen.append(value)
            await asyncio.sleep(0.02)

    watcher = asyncio.ensure_future(watch())
    try:
        report = await session.run()
    finally:
        watcher.cancel()
    return report, (seen[0] if seen else None)

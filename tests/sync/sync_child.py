"""Child process for the SIGKILL test: play a title with sync attached, print each committed event id.

argv: api_url home title. Prints ``C <event_id>`` after the writer committed the event to the queue
file (flushed at once), then plays until killed.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from player.playback import PlaybackSession, SessionOptions
from player.sync import SyncConfig, attach_sync
from sync_helpers import signed_in


async def main(api_url: str, home: Path, title: str) -> None:
    client = await signed_in(api_url)
    session = PlaybackSession(target=title, options=SessionOptions(), backend=client)
    # deliver rarely, so that plenty sits in the queue when the kill comes
    handle = attach_sync(session, backend=client, home=home, config=SyncConfig(idle_s=3600, batch_size=10_000))

    def committed(kinds: list[str], ids: list[tuple[int, str]]) -> None:
        sys.stdout.write("".join(f"C {event_id}\n" for _, event_id in ids))
        sys.stdout.flush()

    handle.on_commit.append(committed)
    await session.run()
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3]))

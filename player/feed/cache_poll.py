"""Polling libmpv's ``demuxer-cache-state`` while a start waits for its target to become seekable.

Why poll: libmpv notifies a change of that property at most every 0.25 s while it is busy
(``handle_update_cache`` in mpv's playloop.c), so a start that waited for the notification saw the
target's range become seekable a few ms after its keyframe was shown and then idled up to 0.25 s
(``benchmarks/startup.py --buffer 4 --seek-to 11``: 250–263 ms). Reading the property is fresh.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

POLL_S = 0.003
POLL_LIMIT_S = 5.0  # then the notifications alone (the scheduler's hold is long over)


def poll_until(check: Callable[[], bool], *, interval_s: float = POLL_S, limit_s: float = POLL_LIMIT_S) -> None:
    """Call ``check()`` on a daemon thread every ``interval_s`` until it returns True or ``limit_s`` passes."""
    def run() -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline and not check():
            time.sleep(interval_s)

    threading.Thread(target=run, name="reelbox-cache-poll", daemon=True).start()

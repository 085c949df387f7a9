"""When a track gives up on a segment: only once the buffer has run dry *and* the retry budget is spent.

Why (issue 16): both edges down for 8 s ended a session after ~4 s with 24.7 s still buffered. While
media is buffered a failed segment costs nothing yet, so it is fetched again (patiently, after a
pause) for as long as the buffer lasts; with the buffer dry, ``RETRIES`` more failures end the session
with the fetch's own named error.
"""
from __future__ import annotations

RETRIES = 3
RETRY_PAUSE_S = 0.5


def may_give_up(failures: int, buffer_s: float) -> bool:
    """After ``failures`` failed fetches of one segment, with ``buffer_s`` of media buffered."""
    return failures > RETRIES and buffer_s <= 0.0

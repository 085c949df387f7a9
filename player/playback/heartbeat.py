"""Keeping the backend's playback session alive, and stopping when it cannot be (issue 16).

The server ends a session ``SESSION_TTL_S`` after its last heartbeat, and with it the session's edge
URLs and licence. So a failed heartbeat is not ignored: it is retried with back-off for as long as the
session could still be alive (renewing it); a refusal (the server no longer knows the session) or a
silence reaching the TTL stops playback with :class:`SessionLost`, a named error, instead of leaving
the player to fail on its next segment with a confusing 403.
"""
from __future__ import annotations

from collections.abc import Callable

from player.backend import BackendClient
from player.backend.errors import BackendError, BackendRefused
from player.errors import PlaybackError
from player.net.clock import Clock

HEARTBEAT_S = 20.0
SESSION_TTL_S = 60.0  # the backend's session lifetime after a heartbeat (layout contract)
RETRY_FIRST_S = 1.0
RETRY_MAX_S = 8.0


class SessionLost(PlaybackError):
    """The backend ended this playback session, or it could not be renewed before it expired."""


async def keep_alive(backend: BackendClient, session_id: str, clock: Clock, on_lost: Callable[[BaseException], None],
                     *, every_s: float = HEARTBEAT_S, ttl_s: float = SESSION_TTL_S) -> None:
    """Heartbeat every ``every_s`` until cancelled; ``on_lost(SessionLost)`` once renewal is impossible."""
    last_ok = clock.now()
    while True:
        await clock.sleep(every_s)
        delay = RETRY_FIRST_S
        while True:
            try:
                await backend.heartbeat(session_id)
                last_ok = clock.now()
                break
            except BackendRefused as exc:
                if exc.status in (403, 404):
                    on_lost(SessionLost(f"the backend ended the playback session ({exc.code or exc.status})"))
                    return
                why: BackendError = exc
            except BackendError as exc:
                why = exc
            if clock.now() + delay - last_ok >= ttl_s:
                on_lost(SessionLost(f"the playback session could not be renewed: {why}"))
                return
            await clock.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

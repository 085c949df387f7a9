"""Where playback starts, and when a position is sent (resume sync, issue 7).

Start: an explicit ``--start`` wins; a session granted by the backend starts at the backend's
``resume_s`` (the server has merged every device's progress under the conflict rule documented in
``backend_stub/api/progress.py``); a session without the backend (offline, from a download) starts at
this installation's last local position, unless that position completed the title.

Sending: a position goes out every ``interval_s`` (10 s) of wall time while playing, and at once on
pause, seek (the new position), stop and exit (the session's ``end`` note). Completion (≥ 95 %, or past
the credits marker when known) is decided by the same rule as the backend so the local copy agrees.
Pure logic: the clock is passed in; :class:`ProgressReporter` only calls ``emit``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from player.qoe import PauseChanged, PositionReached, QoeEvent, Seeked, SessionEnded, SessionStarted

COMPLETED_FRACTION = 0.95
INTERVAL_S = 10.0


def is_completed(position_s: float, duration_s: float, *, credits_s: float | None = None,
                 fraction: float = COMPLETED_FRACTION) -> bool:
    if credits_s is not None and credits_s > 0 and position_s >= credits_s:
        return True
    return duration_s > 0 and position_s >= fraction * duration_s


def choose_start(*, requested_s: float | None, online: bool, local_position_s: float | None,
                 local_completed: bool = False) -> float | None:
    """The start position to force, or ``None`` to let the session use the backend's ``resume_s``."""
    if requested_s is not None:
        return requested_s
    if online:
        return None
    if local_position_s is None or local_completed:
        return 0.0
    return local_position_s


@dataclass(frozen=True, kw_only=True)
class PositionReport:
    """One position to sync: where, why (``periodic``/``pause``/``seek``/``end``), and whether it completes."""

    position_s: float
    duration_s: float
    reason: str
    completed: bool


class ProgressReporter:
    """A QoE ``Listener`` that decides when to send the playhead; ``emit`` must not block."""

    def __init__(
        self,
        *,
        emit: Callable[[PositionReport], None],
        duration: Callable[[], float | None],
        clock: Callable[[], float],
        interval_s: float = INTERVAL_S,
        credits_s: float | None = None,
    ) -> None:
        self._emit = emit
        self._duration = duration
        self._clock = clock
        self.interval_s = interval_s
        self.credits_s = credits_s
        self.position_s: float | None = None
        self._last_sent_at: float | None = None
        self._paused = False
        self._ended = False

    def __call__(self, event: QoeEvent) -> None:
        if self._ended:
            return
        if isinstance(event, SessionStarted):
            self.position_s = event.start_s
            self._last_sent_at = self._clock()
        elif isinstance(event, PositionReached):
            self.position_s = event.position_s
            now = self._clock()
            if not self._paused and (self._last_sent_at is None or now - self._last_sent_at >= self.interval_s):
                self._send("periodic")
        elif isinstance(event, PauseChanged):
            self._paused = event.paused
            self.position_s = _or(event.position_s, self.position_s)
            if self._paused:
                self._send("pause")
            else:
                self._last_sent_at = self._clock()
        elif isinstance(event, Seeked):
            self.position_s = event.to_s
            self._send("seek")
        elif isinstance(event, SessionEnded):
            self.position_s = _or(event.position_s, self.position_s)
            self._send("end")
            self._ended = True

    def _send(self, reason: str) -> None:
        duration = self._duration()
        if self.position_s is None or not duration or duration <= 0:
            return
        position = max(0.0, min(self.position_s, duration))
        self._last_sent_at = self._clock()
        self._emit(PositionReport(position_s=position, duration_s=duration, reason=reason,
                                  completed=is_completed(position, duration, credits_s=self.credits_s)))


def _or(value: float | None, default: float | None) -> float | None:
    return default if value is None else value

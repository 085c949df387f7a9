"""What happened in a playback session, as typed values (issue 13): the one language between the
engine (session, scheduler) and its observers (telemetry, resume sync, QA, front ends).

Each event is a frozen dataclass with ``at`` — seconds on the session's clock, or ``None`` for "when
heard" — and a class-level ``telemetry`` name: the ``type`` of the schema event it becomes
(``player/sync/telemetry.py``), or ``None`` when telemetry does not send it. Serialisation happens at
the edge (``payload()``), never in the engine.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class SegmentRecord:
    """One media segment as the scheduler fetched it (a row of the report's ``segments``)."""

    index: int
    type: str  # "video" | "audio"
    rendition: str
    bitrate_kbps: float
    cdn: int
    bytes: int
    download_ms: float
    buffer_s: float  # our buffer level when the request was issued
    duration_s: float = 0.0
    start_s: float = 0.0
    at_s: float | None = None  # when the request was issued, seconds since the session opened (QA plots)
    estimate_kbps: float | None = None  # the throughput estimate after this download (video; QA plots)

    @property
    def media_kbps(self) -> float:
        """The declared bitrate, else the one measured from the bytes (a lone media playlist declares none)."""
        if self.bitrate_kbps > 0 or self.duration_s <= 0:
            return self.bitrate_kbps
        return self.bytes * 8 / 1000 / self.duration_s


@dataclass(frozen=True, kw_only=True)
class QoeEvent:
    """Base of every event; ``payload()`` is its own fields, without ``at``."""

    telemetry: ClassVar[str | None] = None
    at: float | None = None

    def payload(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "at"}


@dataclass(frozen=True, kw_only=True)
class SessionStarted(QoeEvent):
    telemetry: ClassVar[str | None] = "session_start"
    start_s: float
    target: str
    session_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class FirstFrameShown(QoeEvent):
    telemetry: ClassVar[str | None] = "first_frame"
    startup_ms: float


@dataclass(frozen=True, kw_only=True)
class LicenceAcquired(QoeEvent):
    telemetry: ClassVar[str | None] = "license"
    license_ms: float


@dataclass(frozen=True, kw_only=True)
class SegmentFetched(QoeEvent):
    telemetry: ClassVar[str | None] = "segment"
    record: SegmentRecord


@dataclass(frozen=True, kw_only=True)
class FailedOver(QoeEvent):
    telemetry: ClassVar[str | None] = "failover"
    count: int


@dataclass(frozen=True, kw_only=True)
class DownloadAbandoned(QoeEvent):
    """The ABR gave up on a video download mid-way; that segment is refetched at ``to_rung`` (0 = lowest)."""

    telemetry: ClassVar[str | None] = "abandon"
    index: int
    from_rung: int
    to_rung: int
    received_bytes: int


@dataclass(frozen=True, kw_only=True)
class EmergencyDownswitch(QoeEvent):
    """Every CDN failed or stalled on a video segment above the lowest rung: refetched at the lowest."""

    index: int
    from_rung: int
    error: str


@dataclass(frozen=True, kw_only=True)
class StallStarted(QoeEvent):
    telemetry: ClassVar[str | None] = "stall_start"


@dataclass(frozen=True, kw_only=True)
class StallEnded(QoeEvent):
    telemetry: ClassVar[str | None] = "stall_end"
    duration_s: float


@dataclass(frozen=True, kw_only=True)
class PlaybackFailed(QoeEvent):
    telemetry: ClassVar[str | None] = "error"
    code: str
    message: str


@dataclass(frozen=True, kw_only=True)
class PauseChanged(QoeEvent):
    telemetry: ClassVar[str | None] = "pause"
    paused: bool
    position_s: float | None


@dataclass(frozen=True, kw_only=True)
class Seeked(QoeEvent):
    telemetry: ClassVar[str | None] = "seek"
    from_s: float | None
    to_s: float


@dataclass(frozen=True, kw_only=True)
class PositionReached(QoeEvent):
    """The playhead entered a new second (resume sync; too frequent for telemetry)."""

    position_s: float


@dataclass(frozen=True, kw_only=True)
class Notice(QoeEvent):
    """Something a front end should tell the viewer without failing the play (e.g. no sound device)."""

    code: str
    message: str


@dataclass(frozen=True, kw_only=True)
class SessionEnded(QoeEvent):
    telemetry: ClassVar[str | None] = "end"
    position_s: float | None
    played_s: float
    completed: bool


#: Observers of a session (telemetry, resume sync, QA): called on the engine loop, must not block.
Listener = Callable[[QoeEvent], None]

"""QoE accounting for one playback session, and the report written by ``reelbox play --report``.

The report's keys are a DESIGN.md contract (``target``, ``startup_ms``, ``played_s``, ``rebuffer_count``,
``rebuffer_s``, ``avg_bitrate_kbps``, ``switches``, ``cdn_failovers``, ``license_ms``, ``errors``,
``segments``); more keys may be added, none removed or renamed.

Pure bookkeeping: every method takes the time it refers to (seconds on the session's monotonic
clock), so the same object is driven by the live engine and by tests.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

#: ``listener(kind, at, data)``: telemetry and resume sync follow a session through these notes.
#: kinds: first_frame, license, segment, failover, stall_start, stall_end, error, the scheduler's
#: downswitch and abandon, and the session's own notes (position, pause, seek, end).
Listener = Callable[[str, float | None, dict[str, Any]], None]


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


@dataclass
class QoeTracker:
    """Accumulates what happened in a session; ``report()`` turns it into the contract JSON."""

    target: str
    opened_at: float
    startup_at: float | None = None
    license_ms: float | None = None
    played_s: float = 0.0
    rebuffers: list[tuple[float, float | None]] = field(default_factory=list)
    segments: list[SegmentRecord] = field(default_factory=list)
    cdn_failovers: int = 0
    abandon_events: list[dict[str, Any]] = field(default_factory=list)  # video downloads the ABR abandoned
    errors: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    listeners: list[Listener] = field(default_factory=list, repr=False)

    def note(self, kind: str, at: float | None = None, **data: Any) -> None:
        """Tell every listener what happened; a failing listener never breaks playback."""
        for listener in self.listeners:
            try:
                listener(kind, at, data)
            except Exception:  # noqa: BLE001 - observers are best effort by design
                pass

    def first_frame(self, now: float) -> None:
        if self.startup_at is None:
            self.startup_at = now
            self.note("first_frame", now, startup_ms=round((now - self.opened_at) * 1000, 1))

    def license_acquired(self, duration_s: float) -> None:
        self.license_ms = round(duration_s * 1000, 1)
        self.note("license", None, license_ms=self.license_ms)

    def segment(self, record: SegmentRecord) -> None:
        self.segments.append(record)
        self.note("segment", None, **asdict(record))

    def failover(self, count: int = 1) -> None:
        self.cdn_failovers += count
        if count:
            self.note("failover", None, count=count)

    @property
    def abandonments(self) -> int:
        """Video downloads the ABR abandoned mid-way (each refetched at a lower rung)."""
        return len(self.abandon_events)

    def abandoned(self, now: float, *, index: int, from_rung: int, to_rung: int, received: int) -> None:
        """The scheduler cancelled segment ``index`` at ``from_rung`` after ``received`` bytes, for ``to_rung``."""
        self.abandon_events.append({"t_s": round(now - self.opened_at, 3), "index": index, "from_rung": from_rung,
                                    "to_rung": to_rung, "received": received})
        self.note("abandon", now, index=index, from_rung=from_rung, to_rung=to_rung, received=received)

    def stall_start(self, now: float) -> None:
        """A rebuffer begins; ignored before the first frame (that time is startup, not rebuffering)."""
        if self.startup_at is None:
            return
        if self.rebuffers and self.rebuffers[-1][1] is None:
            return
        self.rebuffers.append((now, None))
        self.note("stall_start", now)

    def stall_end(self, now: float) -> None:
        if self.rebuffers and self.rebuffers[-1][1] is None:
            self.rebuffers[-1] = (self.rebuffers[-1][0], now)
            self.note("stall_end", now, duration_s=round(now - self.rebuffers[-1][0], 3))

    def position(self, played_s: float) -> None:
        self.played_s = max(self.played_s, played_s)

    def error(self, code: str, message: str, now: float) -> None:
        self.errors.append({"code": code, "message": message, "at_s": round(now - self.opened_at, 3)})
        self.note("error", now, code=code, message=message)

    def rebuffer_s(self, now: float) -> float:
        return sum((end if end is not None else now) - start for start, end in self.rebuffers)

    def video_segments(self) -> list[SegmentRecord]:
        return [s for s in self.segments if s.type == "video"]

    def switches(self) -> int:
        renditions = [s.rendition for s in sorted(self.video_segments(), key=lambda s: s.index)]
        return sum(1 for a, b in zip(renditions, renditions[1:]) if a != b)

    def avg_bitrate_kbps(self) -> float:
        """Mean nominal bitrate of the video segments, weighted by media duration."""
        video = self.video_segments()
        total = sum(s.duration_s for s in video)
        if not video:
            return 0.0
        if total <= 0:
            return sum(s.bitrate_kbps for s in video) / len(video)
        return sum(s.bitrate_kbps * s.duration_s for s in video) / total

    def report(self, now: float) -> dict[str, Any]:
        startup_ms = None if self.startup_at is None else round((self.startup_at - self.opened_at) * 1000, 1)
        return {
            "target": self.target,
            "startup_ms": startup_ms,
            "played_s": round(self.played_s, 3),
            "rebuffer_count": len(self.rebuffers),
            "rebuffer_s": round(self.rebuffer_s(now), 3),
            "avg_bitrate_kbps": round(self.avg_bitrate_kbps(), 1),
            "switches": self.switches(),
            "cdn_failovers": self.cdn_failovers,
            "abandonments": self.abandonments,
            "license_ms": self.license_ms,
            "errors": list(self.errors),
            "segments": [asdict(s) for s in self.segments],
            "rebuffer_events": [[round(a - self.opened_at, 3), None if b is None else round(b - self.opened_at, 3)]
                                for a, b in self.rebuffers],
            "abandon_events": [dict(e) for e in self.abandon_events],
            **self.extra,
        }

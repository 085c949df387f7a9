"""QoE accounting for one playback session: what the report (``player.qoe.report``) is built from.

Pure bookkeeping: every method takes the time it refers to (seconds on the session's clock), so
the same object is driven by the live engine and by tests. Each fact is also told to the
listeners as a typed event (``player.qoe.events``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from player.qoe.ladder_sums import LadderSums
from player.qoe.events import (
    DownloadAbandoned,
    EmergencyDownswitch,
    FailedOver,
    FirstFrameShown,
    LicenceAcquired,
    Listener,
    PauseChanged,
    PlaybackFailed,
    QoeEvent,
    SegmentFetched,
    SegmentRecord,
    StallEnded,
    StallStarted,
)


@dataclass(frozen=True, kw_only=True)
class ErrorRecord:
    """A failure of the session, as the report's ``errors`` lists it."""

    code: str
    message: str
    at_s: float


#: the newest segment rows a report lists (~3.7 MB): a kiosk plays one live channel for weeks in one session, ~86 000
#: segments a day at 2 s; the ladder figures count every segment all the same (``LadderSums``)
KEEP_SEGMENTS = 10_000


@dataclass
class QoeTracker:
    """Accumulates what happened in a session."""

    target: str
    opened_at: float
    startup_at: float | None = None
    license_ms: float | None = None
    played_s: float = 0.0
    rebuffers: list[tuple[float, float | None]] = field(default_factory=list)
    segments: list[SegmentRecord] = field(default_factory=list)
    cdn_failovers: int = 0
    abandon_events: list[DownloadAbandoned] = field(default_factory=list)  # video downloads the ABR abandoned
    downswitch_events: list[EmergencyDownswitch] = field(default_factory=list)  # refetched at the lowest rung
    errors: list[ErrorRecord] = field(default_factory=list)
    ladder_kind: str = "video"  # the track the ABR picks renditions for: "audio" in an audio-only title
    ladder_sums: LadderSums = field(default_factory=LadderSums)  # every ladder segment's, rows let go or not
    segments_dropped: int = 0  # the oldest rows let go (``KEEP_SEGMENTS``)
    _dropped_switches: int = field(default=0, repr=False)  # rendition changes among the ladder rows let go
    _dropped_last: str | None = field(default=None, repr=False)  # the rendition of the last of them
    listeners: list[Listener] = field(default_factory=list, repr=False)
    _paused_at: float | None = field(default=None, repr=False)
    _paused_before_s: float = field(default=0.0, repr=False)

    def tell(self, event: QoeEvent) -> None:
        """Tell every listener what happened; a failing listener never breaks playback."""
        if isinstance(event, PauseChanged):
            self._pause(event)
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - observers are best effort by design
                pass

    def _pause(self, event: PauseChanged) -> None:
        if event.at is None:
            return
        if event.paused and self._paused_at is None:
            self._paused_at = event.at
        elif not event.paused and self._paused_at is not None:
            self._paused_before_s += event.at - self._paused_at
            self._paused_at = None

    def paused_s(self, now: float) -> float:
        """How long the viewer has held the play paused, all told, up to ``now`` (give-up spends no budget then)."""
        held = 0.0 if self._paused_at is None else max(0.0, now - self._paused_at)
        return self._paused_before_s + held

    def since_open(self, at: float) -> float:
        """Seconds since the session opened, rounded as the report shows them."""
        return round(at - self.opened_at, 3)

    def first_frame(self, now: float) -> None:
        if self.startup_at is None:
            self.startup_at = now
            self.tell(FirstFrameShown(at=now, startup_ms=round((now - self.opened_at) * 1000, 1)))

    def license_acquired(self, duration_s: float) -> None:
        self.license_ms = round(duration_s * 1000, 1)
        self.tell(LicenceAcquired(license_ms=self.license_ms))

    def segment(self, record: SegmentRecord) -> None:
        self.segments.append(record)
        if record.type == self.ladder_kind:
            self.ladder_sums.add(record)
        if len(self.segments) > KEEP_SEGMENTS + KEEP_SEGMENTS // 4:  # let go in batches: one list move per quarter
            self._let_go(len(self.segments) - KEEP_SEGMENTS)
        self.tell(SegmentFetched(record=record))

    def _let_go(self, count: int) -> None:
        gone = self._ladder_renditions(self.segments[:count])
        self._dropped_switches += _changes(gone)
        self._dropped_last = gone[-1] if gone else self._dropped_last
        del self.segments[:count]
        self.segments_dropped += count

    def failover(self, count: int = 1) -> None:
        self.cdn_failovers += count
        if count:
            self.tell(FailedOver(count=count))

    @property
    def abandonments(self) -> int:
        """Video downloads the ABR abandoned mid-way (each refetched at a lower rung)."""
        return len(self.abandon_events)

    def abandoned(self, event: DownloadAbandoned) -> None:
        """The scheduler cancelled a video download for a lower rung."""
        self.abandon_events.append(event)
        self.tell(event)

    @property
    def emergency_downswitches(self) -> int:
        """Video segments every CDN failed or stalled on, refetched at the lowest rung (all runs, seeks included)."""
        return len(self.downswitch_events)

    def downswitched(self, event: EmergencyDownswitch) -> None:
        self.downswitch_events.append(event)
        self.tell(event)

    def rebuffering(self) -> bool:
        """A rebuffer has begun and not ended."""
        return bool(self.rebuffers) and self.rebuffers[-1][1] is None

    def stall_start(self, now: float) -> None:
        """A rebuffer begins; ignored before the first frame (that time is startup, not rebuffering)."""
        if self.startup_at is None or self.rebuffering():
            return
        self.rebuffers.append((now, None))
        self.tell(StallStarted(at=now))

    def stall_end(self, now: float) -> None:
        if self.rebuffering():
            self.rebuffers[-1] = (self.rebuffers[-1][0], now)
            self.tell(StallEnded(at=now, duration_s=round(now - self.rebuffers[-1][0], 3)))

    def position(self, played_s: float) -> None:
        self.played_s = max(self.played_s, played_s)

    def error(self, code: str, message: str, now: float) -> None:
        self.errors.append(ErrorRecord(code=code, message=message, at_s=self.since_open(now)))
        self.tell(PlaybackFailed(at=now, code=code, message=message))

    def startup_ms(self) -> float | None:
        return None if self.startup_at is None else round((self.startup_at - self.opened_at) * 1000, 1)

    def rebuffer_s(self, now: float) -> float:
        return sum((end if end is not None else now) - start for start, end in self.rebuffers)

    def ladder_segments(self) -> list[SegmentRecord]:
        """The segments of the ladder's track (video; audio in an audio-only title): what switches and
        the average bitrate are about."""
        return [s for s in self.segments if s.type == self.ladder_kind]

    def switches(self) -> int:
        """Rendition changes along the ladder's segments in media order, those of rows let go included. By media time:
        a live run after a seek numbers its rows from the segments still listed, so indexes of two runs interleave."""
        return self._dropped_switches + _changes(self._ladder_renditions(self.segments))

    def _ladder_renditions(self, rows: list[SegmentRecord]) -> list[str]:
        """The renditions of ``rows``' ladder segments in media order, after the last one let go."""
        ordered = [s.rendition for s in sorted((s for s in rows if s.type == self.ladder_kind), key=lambda s: s.start_s)]
        return ordered if self._dropped_last is None else [self._dropped_last, *ordered]

    def avg_bitrate_kbps(self) -> float:
        """Mean bitrate of the ladder's segments (nominal, else measured), weighted by media duration."""
        return self.ladder_sums.avg_kbps


def _changes(renditions: list[str]) -> int:
    return sum(1 for a, b in zip(renditions, renditions[1:]) if a != b)

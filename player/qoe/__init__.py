"""Quality of experience: typed session events, the tracker that counts them, the typed report.

Public face::

    qoe = QoeTracker(target=..., opened_at=clock.now()); qoe.listeners.append(listener)  # listener(event)
    qoe.first_frame(at), qoe.segment(SegmentRecord(...)), qoe.stall_start(at), qoe.tell(Seeked(...)) ...
    report = build_report(qoe, now, ...); report.to_json()     # the DESIGN.md report contract

Modules: ``events`` (the event types), ``tracker`` (bookkeeping), ``report`` (assembly, serialisation).
"""
from player.qoe.events import (
    DownloadAbandoned,
    EmergencyDownswitch,
    FailedOver,
    FirstFrameShown,
    LicenceAcquired,
    Listener,
    Notice,
    PauseChanged,
    PlaybackFailed,
    PositionReached,
    QoeEvent,
    Seeked,
    SegmentFetched,
    SegmentRecord,
    SessionEnded,
    SessionStarted,
    StallEnded,
    StallStarted,
)
from player.qoe.report import QoeReport, build_report
from player.qoe.tracker import ErrorRecord, QoeTracker

__all__ = [
    "DownloadAbandoned", "EmergencyDownswitch", "ErrorRecord", "FailedOver", "FirstFrameShown", "LicenceAcquired",
    "Listener", "Notice", "PauseChanged", "PlaybackFailed", "PositionReached", "QoeEvent", "QoeReport",
    "QoeTracker", "Seeked", "SegmentFetched", "SegmentRecord", "SessionEnded", "SessionStarted", "StallEnded",
    "StallStarted", "build_report",
]

"""The session event schema (issue 7) and the listener that turns a session's QoE events into schema events.

Every event is one JSON object with these common fields::

    event_id     uuid4 hex, unique; the backend de-duplicates on it (at-least-once delivery)
    type         see below
    ts           wall-clock epoch seconds on this device when it happened (not used for ordering)
    t_s          seconds since the session opened, on the session's monotonic clock
    seq          0, 1, 2 ... order of events within the session
    session_id   the backend's playback session id (a local uuid for plain URLs / offline playback)
    device_id    this installation (player/device.py)
    app_version  the installed reelbox distribution's version
    title_id     the catalog title (or the played target)

Types and their own fields (units in the names):

    session_start  start_s, target
    license        license_ms
    first_frame    startup_ms
    segment        index, media ("video"|"audio"), rendition, bitrate_kbps, cdn, bytes, download_ms,
                   buffer_s, duration_s, start_s
    switch         from_rendition, to_rendition, from_kbps, to_kbps   (video rendition changed)
    stall_start    —
    stall_end      duration_s
    failover       count
    abandon        index, from_rung, to_rung, received_bytes   (the ABR gave up on a video download
                   mid-way and refetched that segment at ``to_rung``; rungs count from 0, the lowest)
    error          code, message (URLs in it redacted)
    pause          paused, position_s
    seek           from_s, to_s
    end            position_s, played_s, completed, and the session's own totals: startup_ms,
                   rebuffer_s, rebuffer_count, avg_bitrate_kbps, abandonments (for cross-checks)

No key, token or password ever: the events we map carry none, :func:`scrub` drops any field *named*
like one (the backend refuses such batches outright) and redacts signed URLs in strings.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from importlib import metadata
from typing import Any

from player.net.redact import redact
from player.qoe import QoeEvent, SegmentFetched, SegmentRecord, SessionEnded, SessionStarted

#: Same shape as the backend's refusal rule (backend_stub/api/telemetry.py), kept in step by a test.
SENSITIVE_NAME = re.compile(
    r"^(k|password|passwd|secret|authorization|cookie)$|token|(^|_)key$|(^|_)secret", re.IGNORECASE
)
_URL = re.compile(r"https?://[^\s'\"<>]+")
_SEGMENT_FIELDS = ("index", "rendition", "bitrate_kbps", "cdn", "bytes", "download_ms", "buffer_s", "duration_s",
                   "start_s")


def app_version() -> str:
    try:
        return metadata.version("reelbox")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def scrub(value: Any) -> Any:
    """A copy of ``value`` without secret-named fields at any depth and with URLs in strings redacted."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not SENSITIVE_NAME.search(str(k))}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return _URL.sub(lambda m: redact(m.group(0)), value)
    return value


class SessionTelemetry:
    """A QoE ``Listener`` building schema events and handing each to ``sink`` (which must not block).

    Events noted before ``start`` (when the backend's session id becomes known) are held and released
    with it, so every event of a session carries the same ``session_id``.
    """

    def __init__(
        self,
        *,
        sink: Callable[[dict[str, Any]], None],
        device_id: str,
        title_id: str,
        wall: Callable[[], float],
        clock: Callable[[], float],
        opened_at: float,
        summary: Callable[[], dict[str, Any]] | None = None,
        version: str | None = None,
    ) -> None:
        self._sink = sink
        self._wall = wall
        self._clock = clock
        self._opened_at = opened_at
        self._summary = summary
        self._common = {"device_id": device_id, "app_version": version or app_version(), "title_id": title_id}
        self.session_id: str | None = None
        self._held: list[dict[str, Any]] = []
        self._seq = 0
        self._video_rendition: tuple[str, float] | None = None

    def __call__(self, event: QoeEvent) -> None:
        if event.telemetry is None:
            return  # e.g. positions: for resume sync, not telemetry (one a second would swamp the queue)
        t_s = round((event.at if event.at is not None else self._clock()) - self._opened_at, 3)
        if isinstance(event, SessionStarted):
            self._start(t_s, event)
        elif isinstance(event, SegmentFetched):
            self._segment(t_s, event.record)
        elif isinstance(event, SessionEnded):
            self._emit("end", t_s, **event.payload(), **self._totals())
        else:
            self._emit(event.telemetry, t_s, **event.payload())

    def _start(self, t_s: float, event: SessionStarted) -> None:
        self.session_id = event.session_id or f"local-{uuid.uuid4().hex}"
        self._emit("session_start", t_s, start_s=event.start_s, target=event.target)
        held, self._held = self._held, []
        for held_event in held:
            self._release(held_event)

    def _totals(self) -> dict[str, Any]:
        if self._summary is None:
            return {}
        try:
            return self._summary()
        except Exception:  # noqa: BLE001 - totals are a bonus, the end event is not
            return {}

    def _segment(self, t_s: float, record: SegmentRecord) -> None:
        if record.type == "video":
            now = (record.rendition, record.bitrate_kbps)
            if self._video_rendition is not None and self._video_rendition[0] != now[0]:
                self._emit("switch", t_s, from_rendition=self._video_rendition[0], to_rendition=now[0],
                           from_kbps=self._video_rendition[1], to_kbps=now[1])
            self._video_rendition = now
        self._emit("segment", t_s, media=record.type, **{k: getattr(record, k) for k in _SEGMENT_FIELDS})

    def _emit(self, kind: str, t_s: float, **fields: Any) -> None:
        event = {"event_id": uuid.uuid4().hex, "type": kind, "ts": round(self._wall(), 3), "t_s": t_s,
                 **self._common, **fields}
        if self.session_id is None and kind == "end":  # never started (e.g. the grant failed): flush anyway
            self.session_id = f"local-{uuid.uuid4().hex}"
            held, self._held = self._held, []
            for h in held:
                self._release(h)
        if self.session_id is None:
            self._held.append(event)
        else:
            self._release(event)

    def _release(self, event: dict[str, Any]) -> None:
        event["session_id"] = self.session_id
        event["seq"] = self._seq
        self._seq += 1
        self._sink(scrub(event))

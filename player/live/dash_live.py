"""The live facts of a dynamic MPD (ISO/IEC 23009-1 §5.3.1.2 MPD attributes, §5.3.9.5 SegmentTemplate,
§5.8.5.7 UTCTiming; DASH-IF IOP LL-DASH: ``availabilityTimeOffset``, ``ServiceDescription``).

Read beside :mod:`player.manifest.dash` (the segment index stays there) from the same XML; namespace-
aware through the shared converters, no I/O. For ``$Number$`` + ``@duration`` addressing it keeps what
a clock needs to enumerate segments (start number, duration, timescale, PTO, period start), since the
parser lists none for a dynamic MPD without a timeline.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

from player.errors import ManifestError
from player.manifest.convert import child, children, local_name, namespace, to_duration, to_float, to_int

from .clock_sync import ClockSyncError, parse_iso


@dataclass(frozen=True, kw_only=True)
class NumberTemplate:
    """``$Number$`` with a fixed ``@duration``: segment ``start_number + k`` covers ``[k·d, (k+1)·d)``."""

    start_number: int
    duration_s: float
    period_start_s: float
    availability_offset_s: float  # availabilityTimeOffset (∞ is clamped to the duration)


#: the longest DVR window followed: an MPD without ``timeShiftBufferDepth`` keeps every segment since
#: ``availabilityStartTime`` (§5.3.1.2), and a channel up for days listed them all at the join (two days at 2 s:
#: 259 200 segments a Representation, seconds of parsing; past 4.6 days over the segment cap, a ManifestError
#: where plain libmpv plays from the edge). Two hours is what broadcasters' live rewind offers.
MAX_DVR_S = 2 * 3600.0


@dataclass(frozen=True, kw_only=True)
class DashLiveInfo:
    dynamic: bool
    availability_start: float | None  # epoch seconds
    publish_time: float | None
    minimum_update_period_s: float | None  # None: the MPD does not change (§5.4.1)
    time_shift_buffer_s: float | None  # the DVR window (None: unbounded)
    suggested_delay_s: float | None
    max_segment_s: float | None
    min_buffer_s: float
    utc_timing: tuple[tuple[str, str], ...]  # (scheme, value) in document order
    target_latency_s: float | None  # ServiceDescription/Latency@target
    max_rate: float | None  # ServiceDescription/PlaybackRate@max
    video_template: NumberTemplate | None

    @property
    def dvr_s(self) -> float:
        """The DVR window followed: the MPD's, at most ``MAX_DVR_S`` (which it is when the MPD states none)."""
        return min(MAX_DVR_S, self.time_shift_buffer_s or MAX_DVR_S)  # PT0S: stated as none, as before

    @property
    def low_latency(self) -> bool:
        """Chunked segments announced early (``availabilityTimeOffset`` > 0)."""
        return self.video_template is not None and self.video_template.availability_offset_s > 0


def parse_live(data: str | bytes, url: str) -> DashLiveInfo:
    """Read the live attributes; raises ManifestError on malformed XML or values."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ManifestError(f"MPD is not well-formed XML: {exc}", source=url) from None
    if local_name(root.tag) != "MPD":
        raise ManifestError("not an MPD", source=url)
    ns = namespace(root.tag)
    try:
        desc = child(root, "ServiceDescription", ns)
        latency = child(desc, "Latency", ns) if desc is not None else None
        rate = child(desc, "PlaybackRate", ns) if desc is not None else None
        target_ms = to_float(latency.get("target"), name="Latency@target") if latency is not None else None
        return DashLiveInfo(
            dynamic=(root.get("type") or "static").strip() == "dynamic",
            availability_start=_time(root.get("availabilityStartTime")),
            publish_time=_time(root.get("publishTime")),
            minimum_update_period_s=to_duration(root.get("minimumUpdatePeriod"), name="minimumUpdatePeriod"),
            time_shift_buffer_s=to_duration(root.get("timeShiftBufferDepth"), name="timeShiftBufferDepth"),
            suggested_delay_s=to_duration(root.get("suggestedPresentationDelay"), name="suggestedPresentationDelay"),
            max_segment_s=to_duration(root.get("maxSegmentDuration"), name="maxSegmentDuration"),
            min_buffer_s=to_duration(root.get("minBufferTime"), name="minBufferTime", default=2.0) or 2.0,
            utc_timing=tuple((u.get("schemeIdUri", ""), u.get("value", "")) for u in children(root, "UTCTiming", ns)),
            target_latency_s=None if target_ms is None else target_ms / 1000,
            max_rate=to_float(rate.get("max"), name="PlaybackRate@max") if rate is not None else None,
            video_template=_video_template(root, ns),
        )
    except ManifestError as exc:
        raise ManifestError(str(exc), source=url) from None


def _time(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ClockSyncError as exc:
        raise ManifestError(str(exc)) from None


def _video_template(root: ET.Element, ns: str | None) -> NumberTemplate | None:
    """The first video AdaptationSet's ``$Number$``/``@duration`` template (inherited from the Period)."""
    period = child(root, "Period", ns)
    if period is None:
        return None
    start = to_duration(period.get("start"), name="Period@start", default=0.0) or 0.0
    for aset in children(period, "AdaptationSet", ns):
        kind = (aset.get("contentType") or aset.get("mimeType") or "").split("/")[0]
        reps = children(aset, "Representation", ns)
        if kind != "video" and not any((r.get("mimeType") or "").startswith("video") for r in reps):
            continue
        for holder in (reps[0] if reps else None, aset, period):
            tpl = child(holder, "SegmentTemplate", ns) if holder is not None else None
            if tpl is None or tpl.get("duration") is None or child(tpl, "SegmentTimeline", ns) is not None:
                continue
            timescale = to_int(tpl.get("timescale"), name="timescale", default=1) or 1
            duration = (to_int(tpl.get("duration"), name="duration") or 0) / timescale
            if duration <= 0:
                raise ManifestError("SegmentTemplate@duration must be positive")
            offset = tpl.get("availabilityTimeOffset") or "0"
            return NumberTemplate(
                start_number=to_int(tpl.get("startNumber"), name="startNumber", default=1) or 0,
                duration_s=duration, period_start_s=start,
                availability_offset_s=duration if offset == "INF" else min(duration, to_float(offset, name="availabilityTimeOffset") or 0.0),
            )
        return None
    return None

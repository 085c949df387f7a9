"""Values passed across the transport and the pool: what to fetch, what came back, what happened.

Byte ranges are the manifest model's ``ByteRange(start, length)`` (one type across the engine; a
plain ``(start, length)`` tuple is accepted and converted); the transport sends ``bytes=start-end``
with ``end = start + length - 1`` inclusive (RFC 9110 §14.1.2).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Callable

from player.manifest.model import ByteRange as ByteRange  # re-exported: requests are built with it

#: ``on_progress(received, total)``: bytes of the body received so far by the current attempt, and the
#: body's length when the response announced it (Content-Length), else ``None``.
ProgressCallback = Callable[[int, int | None], None]
#: ``on_data(chunk)``: the body's bytes as they arrive, after the matching ``on_progress`` call (live
#: chunked delivery feeds CMAF chunks on from here while the rest of the segment is still being written).
DataCallback = Callable[[bytes], None]


class RequestKind(StrEnum):
    MANIFEST = "manifest"
    LICENCE = "licence"
    SEGMENT = "segment"
    PROBE = "probe"


@dataclass(frozen=True, kw_only=True)
class StallPolicy:
    """When a transfer counts as stalled (DESIGN: a stall is a read timeout *or* a throughput floor).

    ``read_s``: longest wait for the response head or for the next body chunk.
    ``grace_s``: the floor is not applied before this much of the body time has passed (slow start).
    ``floor_ratio``: abort when the running rate falls below this fraction of the segment's media
    bitrate (the request's ``bitrate_bps``, else Content-Length × 8 / ``duration_s``): below 1× the
    transfer is slower than playback, and at 0.5× it would take twice the segment's duration.
    ``min_floor_bps``: an absolute floor used when neither bitrate nor duration is known (0 = none).
    """

    connect_s: float = 3.0
    read_s: float = 3.0
    grace_s: float = 1.0
    floor_ratio: float = 0.5
    min_floor_bps: float = 0.0


@dataclass(frozen=True, kw_only=True)
class SegmentRequest:
    """One HTTP GET. ``origin`` confines the URL (and redirects) to a manifest's folder (downloads).

    ``on_progress`` (optional, not part of the request's value): a transport calls it with ``(0, total)``
    when the response head of a 2xx arrives, then with ``(received, total)`` after every body chunk, as
    the bytes arrive. A retry or a failover by the pool starts a new attempt, whose calls start again at 0.
    """

    url: str
    byte_range: ByteRange | None = None
    stall: StallPolicy = field(default_factory=StallPolicy)
    bitrate_bps: float | None = None
    duration_s: float | None = None
    headers: tuple[tuple[str, str], ...] = ()
    origin: str | None = None
    max_bytes: int | None = None  # a longer body (announced or received) is cut: BodyTooLarge
    deadline_s: float | None = None  # the whole request, head and body, or DeadlineExceeded
    on_progress: ProgressCallback | None = field(default=None, compare=False, repr=False)
    on_data: DataCallback | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        given: object = self.byte_range  # callers may pass a plain (start, length) tuple
        if isinstance(given, (tuple, list)) and not isinstance(given, ByteRange):
            object.__setattr__(self, "byte_range", ByteRange(*given))
        if self.byte_range is not None and (self.byte_range.start < 0 or self.byte_range.length <= 0):
            raise ValueError(f"bad byte range {self.byte_range}")


@dataclass(frozen=True, kw_only=True)
class FetchLimits:
    """Bounds on an object whose size and rate no manifest declares (issue 16): the body's length, the
    whole request's time, and an absolute throughput floor so a trickle ends after ``grace_s``."""

    max_bytes: int
    deadline_s: float
    min_floor_bps: float


MiB = 1 << 20
#: whatever goes through CdnPool.fetch (HLS playlists, MPDs, sidx ranges): the same for both formats
MANIFEST_LIMITS = FetchLimits(max_bytes=16 * MiB, deadline_s=10.0, min_floor_bps=64_000)
#: initialization segments: a moov with its PSSH boxes is kilobytes
INIT_LIMITS = FetchLimits(max_bytes=4 * MiB, deadline_s=10.0, min_floor_bps=64_000)
#: a media segment may be this many times its declared bitrate × duration (VBR peaks stay well under)...
SEGMENT_SIZE_FACTOR = 4.0
SEGMENT_MIN_CAP = 2 * MiB  # ...but never capped under this (tiny declared bitrates)...
SEGMENT_MAX_BYTES = 64 * MiB  # ...and never over this, declared or not
#: every transfer, patient ones included, must beat this after its grace: a trickle never hangs forever
ABSOLUTE_FLOOR_BPS = 8_000.0


def segment_cap(bitrate_bps: float | None, duration_s: float | None) -> int:
    """The most bytes a media segment may have (see ``SEGMENT_SIZE_FACTOR``)."""
    if not bitrate_bps or not duration_s:
        return SEGMENT_MAX_BYTES
    declared = bitrate_bps * duration_s / 8
    return int(min(max(SEGMENT_SIZE_FACTOR * declared, SEGMENT_MIN_CAP), SEGMENT_MAX_BYTES))


def bounded(stall: StallPolicy, limits: FetchLimits | None, bitrate_bps: float | None,
            duration_s: float | None) -> tuple[StallPolicy, int, float | None]:
    """A request's stall policy (its floor raised as needed), byte cap and deadline."""
    floor, max_bytes, deadline = ABSOLUTE_FLOOR_BPS, segment_cap(bitrate_bps, duration_s), None
    if limits is not None:
        floor, max_bytes, deadline = limits.min_floor_bps, limits.max_bytes, limits.deadline_s
    return replace(stall, min_floor_bps=max(stall.min_floor_bps, floor)), max_bytes, deadline


# Response headers worth keeping (caching, ranges, which edge served us).
HEADERS_OF_INTEREST = ("content-type", "content-length", "content-range", "etag", "last-modified",
                       "cache-control", "age", "server", "via", "x-cache")


@dataclass(frozen=True, kw_only=True)
class FetchResult:
    """A completed transfer; ``ttfb_s`` and ``duration_s`` are measured from the request's start."""

    url: str  # the final URL (after redirects), unredacted: callers resolve relative URLs with it
    status: int
    body: bytes
    ttfb_s: float
    duration_s: float
    headers: dict[str, str] = field(default_factory=dict)
    http_version: str = "HTTP/1.1"

    @property
    def bytes(self) -> int:
        return len(self.body)

    @property
    def throughput_bps(self) -> float:
        """Bits per second over the whole request (floor of 1 ms so loopback stays finite)."""
        return self.bytes * 8 / max(self.duration_s, 0.001)


@dataclass(frozen=True, kw_only=True)
class RequestRecord:
    """One attempt, for the QoE report, telemetry and the QA log. The URL is already redacted."""

    kind: RequestKind
    cdn: int  # index in the pool, -1 for requests outside it (e.g. a licence)
    url: str
    status: int | None
    bytes: int
    ttfb_s: float | None
    duration_s: float | None
    retries: int  # attempts before this one for the same request
    error: str | None = None  # "ErrorClass: message" (redacted), None on success
    failover_to: int | None = None  # the CDN the request moved to after this failed attempt
    at_s: float = 0.0  # pool clock when the attempt started
    aborted: bool = False  # the caller cancelled the attempt (ABR abandonment, seek, stop): no CDN failure


#: the newest attempts a log lists (~10 MB): a kiosk on a live channel for weeks makes ~130 000 requests a day
KEEP_RECORDS = 20_000


class RequestLog:
    """The attempts of a session, newest ``keep`` listed (``dropped``: how many older ones were let go); the counts
    are of every attempt. Shared by pool, licence client, QA log."""

    def __init__(self, keep: int = KEEP_RECORDS) -> None:
        self.records: list[RequestRecord] = []
        self.keep = keep
        self.dropped = 0
        self.failovers = 0
        self.aborted = 0

    def add(self, record: RequestRecord) -> None:
        self.records.append(record)
        self.failovers += record.failover_to is not None
        self.aborted += record.aborted
        if len(self.records) > self.keep + self.keep // 4:  # let go in batches: one list move per quarter
            gone = len(self.records) - self.keep
            del self.records[:gone]
            self.dropped += gone

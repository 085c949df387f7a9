"""The one interface between a player (live or simulated) and a rate-adaptation algorithm.

A player fills an :class:`AbrState` before every segment request and asks the algorithm for a
:class:`Decision`.  Everything in the state is something a live player knows: its buffer level in
seconds, the ladder from the manifest, the sizes of upcoming segments when the manifest announces them
(DASH ``SegmentBase``/``sidx``, HLS ``EXT-X-BYTERANGE``; otherwise ``bitrate × duration``), and the
(bits, seconds) samples of its own past downloads.  Units: seconds, kbit/s, bits.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class Phase(enum.Enum):
    """Where the session is: before playback starts, steady playback, or just after a seek."""

    STARTUP = "startup"
    STEADY = "steady"
    AFTER_SEEK = "after-seek"


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One finished download: payload bits, transfer seconds (after the first byte), time to first byte."""

    bits: float
    seconds: float
    latency_s: float = 0.0

    @classmethod
    def from_bytes(cls, nbytes: int, seconds: float, latency_s: float = 0.0) -> "Sample":
        """What a live player measures: payload bytes and transfer seconds after the first byte."""
        return cls(bits=nbytes * 8.0, seconds=seconds, latency_s=latency_s)

    @property
    def kbps(self) -> float:
        return self.bits / 1000.0 / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, kw_only=True)
class AbrState:
    """What the player knows when it is about to request segment ``segment_index``."""

    buffer_s: float
    buffer_capacity_s: float
    segment_duration_s: float
    bitrates_kbps: tuple[float, ...]
    #: sizes in bits per rung of the upcoming segments, the first one being ``segment_index``;
    #: may be empty (then ``bitrate × duration`` is assumed, see :meth:`segment_bits`)
    upcoming_sizes_bits: tuple[tuple[float, ...], ...] = ()
    throughput_kbps: float | None = None
    latency_s: float | None = None
    history: tuple[Sample, ...] = ()
    phase: Phase = Phase.STEADY
    last_rung: int | None = None
    segment_index: int = 0
    segments_total: int | None = None
    #: segment index of the last seek (or 0): BOLA shrinks its buffer target near both ends
    seek_index: int = 0

    @property
    def rungs(self) -> int:
        return len(self.bitrates_kbps)

    def segment_bits(self, ahead: int, rung: int) -> float:
        """Size of the segment ``ahead`` positions after the current one, real when known."""
        if ahead < len(self.upcoming_sizes_bits):
            return self.upcoming_sizes_bits[ahead][rung]
        return self.bitrates_kbps[rung] * 1000.0 * self.segment_duration_s

    def segments_left(self) -> int | None:
        """Segments still to fetch including the current one, when the length is known."""
        return None if self.segments_total is None else self.segments_total - self.segment_index


@dataclass(frozen=True, kw_only=True)
class Decision:
    """The algorithm's answer: the rung to fetch, and how long to wait before fetching it.

    For :meth:`Algorithm.abandon`, ``abandon=True`` means "cancel the download in flight"; ``rung`` is
    then the rung the algorithm expects to fetch instead (the player asks :meth:`Algorithm.choose` again).
    """

    rung: int
    delay_s: float = 0.0
    abandon: bool = False


@dataclass(frozen=True, kw_only=True)
class Progress:
    """A download in flight, for abandonment checks."""

    rung: int
    size_bits: float
    downloaded_bits: float
    elapsed_s: float
    latency_s: float
    buffer_s: float  # buffer level now (the level at request time minus the elapsed time, floored at 0)


@dataclass(frozen=True, kw_only=True)
class DownloadResult:
    """What happened to one request, reported back after it ends."""

    rung: int
    bits: float
    seconds: float  # total, first byte latency included
    latency_s: float
    abandoned: bool
    abandon_to: int | None
    buffer_s: float  # buffer level after the download ended


@runtime_checkable
class Algorithm(Protocol):
    """What the scheduler calls: ``choose`` per segment, ``abandon`` while a download runs, and two
    notifications.  Implementations may keep small state but are deterministic: the same sequence of
    calls gives the same answers, and ``reset()`` returns them to their initial state."""

    name: str

    def choose(self, state: AbrState) -> Decision: ...

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None: ...

    def on_download(self, state: AbrState, result: DownloadResult) -> None: ...

    def on_idle(self, seconds: float) -> None: ...

    def reset(self) -> None: ...


class AlgorithmBase:
    """No-op defaults for the optional parts of :class:`Algorithm`."""

    name: str = "base"

    def choose(self, state: AbrState) -> Decision:
        raise NotImplementedError

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        return None

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        return None

    def on_idle(self, seconds: float) -> None:
        return None

    def reset(self) -> None:
        return None

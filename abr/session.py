"""The glue a player uses around an algorithm, the same for the live engine and the simulator.

A :class:`AbrSession` owns the throughput tracker and the session facts the player does not want to
track itself (last rung, phase, seek point), builds the :class:`AbrState` for each request, and feeds
every finished download to both the estimator and the algorithm in the right order.  Because the
simulator drives exactly this object, what the benchmark measures is what the engine ships.

Typical live use (one per media type)::

    abr = AbrSession(algorithm=abr.default_algorithm(), bitrates_kbps=(...), segment_duration_s=4,
                     buffer_capacity_s=25, segments_total=n, min_sample_bits=128_000)
    state = abr.state(buffer_s=buffered, segment_index=i, upcoming_sizes_bits=sizes_or_empty)
    decision = abr.choose(state)            # wait decision.delay_s, then fetch decision.rung
    ... while downloading: abr.abandon(state, Progress(...)) -> Decision(abandon=True) or None
    abr.downloaded(state, rung=..., bits=..., seconds=..., latency_s=..., buffer_s=buffered_after)
    abr.idle(seconds)                       # when the buffer was full and the player waited
    abr.seek(segment_index)                 # after a seek
"""
from __future__ import annotations

from .estimators import ThroughputTracker
from .state import AbrState, Algorithm, Decision, DownloadResult, Phase, Progress, Sample


class AbrSession:
    def __init__(self, *, algorithm: Algorithm, bitrates_kbps: tuple[float, ...], segment_duration_s: float,
                 buffer_capacity_s: float, segments_total: int | None = None, min_sample_bits: float = 0.0,
                 half_lives_s: tuple[float, ...] = (3.0, 8.0)) -> None:
        self.algorithm = algorithm
        self.bitrates_kbps = tuple(bitrates_kbps)
        self.segment_duration_s = segment_duration_s
        self.buffer_capacity_s = buffer_capacity_s
        self.segments_total = segments_total
        self.tracker = ThroughputTracker(segment_duration_s=segment_duration_s, min_bits=min_sample_bits,
                                         half_lives_s=half_lives_s)
        self.algorithm.reset()
        self.phase = Phase.STARTUP
        self.last_rung: int | None = None
        self.seek_index = 0

    def state(self, *, buffer_s: float, segment_index: int,
              upcoming_sizes_bits: tuple[tuple[float, ...], ...] = ()) -> AbrState:
        return AbrState(
            buffer_s=buffer_s, buffer_capacity_s=self.buffer_capacity_s, segment_duration_s=self.segment_duration_s,
            bitrates_kbps=self.bitrates_kbps, upcoming_sizes_bits=upcoming_sizes_bits,
            throughput_kbps=self.tracker.throughput_kbps, latency_s=self.tracker.latency_s,
            history=self.tracker.history, phase=self.phase, last_rung=self.last_rung,
            segment_index=segment_index, segments_total=self.segments_total, seek_index=self.seek_index,
        )

    def choose(self, state: AbrState) -> Decision:
        d = self.algorithm.choose(state)
        return Decision(rung=min(max(d.rung, 0), len(self.bitrates_kbps) - 1), delay_s=max(d.delay_s, 0.0))

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        d = self.algorithm.abandon(state, progress)
        return d if d is not None and d.abandon and 0 <= d.rung < progress.rung else None

    def downloaded(self, state: AbrState, *, rung: int, bits: float, seconds: float, latency_s: float,
                   buffer_s: float, abandoned: bool = False, abandon_to: int | None = None) -> None:
        """A request ended (``seconds`` includes the first-byte ``latency_s``)."""
        self.algorithm.on_download(state, DownloadResult(rung=rung, bits=bits, seconds=seconds, latency_s=latency_s,
                                                         abandoned=abandoned, abandon_to=abandon_to, buffer_s=buffer_s))
        if not abandoned:
            self.tracker.add(Sample(bits=bits, seconds=seconds - latency_s, latency_s=latency_s))
            self.last_rung = rung
            self.phase = Phase.STEADY

    def idle(self, seconds: float) -> None:
        self.algorithm.on_idle(seconds)

    def seek(self, segment_index: int) -> None:
        """Playback jumped: the buffer is gone, the next segment starts a new run."""
        self.phase = Phase.AFTER_SEEK
        self.last_rung = None
        self.seek_index = segment_index

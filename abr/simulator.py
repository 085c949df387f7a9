"""Trace-driven, segment-by-segment playback simulator with Sabre's semantics.

The player model is the reference setting of ``shared/abr-traces/README.md`` (Spiteri et al., Sabre,
MMSys 2018, ``src/sabre.py``):

* Every request first pays the period's latency (time to first byte), then transfers piecewise across
  the trace's periods at their bandwidth; the trace loops when exhausted.  Idle time advances the
  trace too.
* The first segment is fetched (at the lowest rung by default, without abandonment checks); playback
  starts when it arrives.  That wait is the startup delay, and is not a stall.
* A request starts only when the buffer has room for a whole segment: the player first idles until
  ``buffer ≤ capacity − segment duration`` and reports that idle time to the algorithm.
* An algorithm may ask to wait before a request (BOLA-E's placeholder); the buffer drains meanwhile.
* While a download runs the algorithm may abandon it; it is checked after each ≥ 12 000 bits and
  ≥ 50 ms of progress.  An abandoned request is not a throughput sample and the same segment is asked
  for again.
* Throughput samples exclude the first-byte latency; the dual EWMA (3 s / 8 s) is the estimate.
* A stall is time the buffer spends empty after playback started.  After the last download the
  buffer plays out.
"""
from __future__ import annotations

from dataclasses import dataclass

from .ladder import Ladder
from .metrics import EARLY_MEDIA_S, SessionResult
from .session import AbrSession
from .state import AbrState, Algorithm, Progress
from .traces import Period, Trace

SUSTAINABLE_WINDOW_S = 30.0

@dataclass(frozen=True, kw_only=True)
class SimConfig:
    buffer_capacity_s: float = 25.0
    first_rung_lowest: bool = True
    abandonment: bool = True
    progress_bits: float = 12000.0
    progress_s: float = 0.05
    lookahead_segments: int = 10
    half_lives_s: tuple[float, ...] = (3.0, 8.0)


class Network:
    """The trace as a moving cursor: where we are in which period."""

    def __init__(self, periods: tuple[Period, ...]) -> None:
        self.periods = periods
        self.i = 0
        self.left = periods[0].duration_s

    def _next(self) -> None:
        self.i = (self.i + 1) % len(self.periods)
        self.left = self.periods[self.i].duration_s

    def delay(self, seconds: float) -> None:
        while seconds > self.left:
            seconds -= self.left
            self._next()
        self.left -= seconds

    def latency(self) -> float:
        """One first-byte delay; a period's latency applies pro rata while we are in it."""
        units, total = 1.0, 0.0
        while units > 0:
            lat = self.periods[self.i].latency_s
            t = units * lat
            if t <= self.left:
                total += t
                self.left -= t
                units = 0.0
            else:
                total += self.left
                units -= self.left / lat
                self._next()
        return total

    def transfer(self, bits: float, min_bits: float, min_s: float) -> tuple[float, float]:
        """Transfer until ``bits`` are done, or at least ``min_bits`` and ``min_s`` have passed."""
        done = spent = 0.0
        while bits > 0 and (min_bits > 0 or min_s > 0):
            bw = self.periods[self.i].kbps * 1000.0
            if bw > 0:
                want = max(min_bits, min_s * bw)
                to_next = self.left * bw
                if bits <= want and bits <= to_next:
                    got, t = bits, bits / bw
                    self.left -= t
                elif want <= to_next:
                    got, t = want, want / bw
                    min_bits = min_s = 0.0
                    self.left -= t
                else:
                    got, t = to_next, self.left
                    self._next()
            else:
                got = 0.0
                if min_bits > 0 or min_s > self.left:
                    t = self.left
                    self._next()
                else:
                    t = min_s
                    self.left -= t
            done += got
            spent += t
            bits -= got
            min_bits -= got
            min_s -= t
        return done, spent

    def transfer_all(self, bits: float) -> float:
        spent = 0.0
        while bits > 0:
            bw = self.periods[self.i].kbps * 1000.0
            if bits <= self.left * bw:
                t = bits / bw
                self.left -= t
                return spent + t
            spent += self.left
            bits -= self.left * bw
            self._next()
        return spent


class _Buffer:
    def __init__(self) -> None:
        self.level = 0.0
        self.stall = 0.0
        self.early_stall = 0.0  # stalled while the play position was below EARLY_MEDIA_S
        self.played = 0.0
        self.events = 0
        self.clock = 0.0

    def _stalled(self, seconds: float) -> None:
        self.stall += seconds
        if self.played < EARLY_MEDIA_S:
            self.early_stall += seconds

    def drain(self, seconds: float) -> None:
        self.clock += seconds
        if self.level <= 0:
            self._stalled(seconds)
        elif seconds > self.level:
            self.played += self.level
            self._stalled(seconds - self.level)
            self.events += 1
            self.level = 0.0
        else:
            self.played += seconds
            self.level -= seconds


def sustainable_rung(trace: Trace, ladder: Ladder, *, window_s: float = SUSTAINABLE_WINDOW_S) -> int:
    """The highest rung whose nominal segment (plus the request latency) downloads within one segment
    duration at the trace's mean rate over its first ``window_s`` seconds (looped, as played): what a player
    that knew the link would settle on."""
    kbps = trace.window_mean_kbps(0.0, window_s)
    lat = trace.periods[0].latency_s
    seg = ladder.segment_duration_s
    rung = 0
    while rung + 1 < len(ladder.bitrates_kbps) and kbps > 0 and lat + seg * ladder.bitrates_kbps[rung + 1] / kbps <= seg:
        rung += 1
    return rung


def simulate(algorithm: Algorithm, trace: Trace, ladder: Ladder, config: SimConfig = SimConfig()) -> SessionResult:
    """Play ``ladder`` over ``trace`` with ``algorithm`` (reset first), through an :class:`AbrSession`."""
    session = AbrSession(algorithm=algorithm, bitrates_kbps=ladder.bitrates_kbps,
                         segment_duration_s=ladder.segment_duration_s, buffer_capacity_s=config.buffer_capacity_s,
                         segments_total=ladder.segments, half_lives_s=config.half_lives_s)
    net = Network(trace.periods)
    buf = _Buffer()
    seg = ladder.segment_duration_s
    cap = config.buffer_capacity_s
    rates = ladder.bitrates_kbps
    n = ladder.segments
    rungs: list[int] = []
    abandons = 0

    def state(index: int) -> AbrState:
        return session.state(buffer_s=buf.level, segment_index=index,
                             upcoming_sizes_bits=ladder.sizes_bits[index:index + config.lookahead_segments])

    # first segment: startup
    st = state(0)
    rung = 0 if config.first_rung_lowest else session.choose(st).rung
    size = ladder.sizes_bits[0][rung]
    lat = net.latency()
    startup = lat + net.transfer_all(size)
    buf.clock += startup
    buf.level = seg
    rungs.append(rung)
    session.downloaded(st, rung=rung, bits=size, seconds=startup, latency_s=lat, buffer_s=buf.level)

    index = 1
    while index < n:
        full = buf.level + seg - cap
        if full > 0:
            buf.drain(full)
            net.delay(full)
            session.idle(full)
        st = state(index)
        decision = session.choose(st)
        rung = decision.rung
        if decision.delay_s > 0:
            buf.drain(decision.delay_s)
            net.delay(decision.delay_s)
        size = ladder.sizes_bits[index][rung]
        level0 = buf.level
        lat = net.latency()
        elapsed, got = lat, 0.0
        abandon_to: int | None = None
        if config.abandonment:
            min_s = config.progress_s - lat
            while got < size:
                bits, t = net.transfer(size - got, config.progress_bits, min_s)
                got += bits
                elapsed += t
                min_s = config.progress_s
                if got < size:
                    ab = session.abandon(st, Progress(rung=rung, size_bits=size, downloaded_bits=got,
                                                      elapsed_s=elapsed, latency_s=lat,
                                                      buffer_s=max(0.0, level0 - elapsed)))
                    if ab is not None:
                        abandon_to = ab.rung
                        break
        else:
            elapsed += net.transfer_all(size)
            got = size
        buf.drain(elapsed)
        abandoned = abandon_to is not None
        if not abandoned:
            buf.level += seg
            rungs.append(rung)
            index += 1
        else:
            abandons += 1
        session.downloaded(st, rung=rung, bits=got, seconds=elapsed, latency_s=lat, buffer_s=buf.level,
                           abandoned=abandoned, abandon_to=abandon_to)
    buf.clock += buf.level  # play out
    return SessionResult(
        trace=trace.name, bitrates_kbps=tuple(rates[r] for r in rungs), rungs=tuple(rungs),
        stall_s=buf.stall, stall_events=buf.events, startup_s=startup, total_s=buf.clock, abandons=abandons,
        segment_duration_s=seg, lowest_kbps=rates[0], early_stall_s=buf.early_stall,
        sustainable_rung=sustainable_rung(trace, ladder),
    )

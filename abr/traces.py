"""Network traces: a list of periods (duration, bandwidth, latency), played in order and looped.

Two text formats are parsed (the caller reads the file):

* Pensieve "cooked" text, one ``<time_s> <Mbit/s>`` per line.  Converted as the benchmark runs did
  (``shared/abr-traces/README.md``): sample i holds for ``t[i+1] − t[i]`` (sample-and-hold forward),
  the last sample gets the median step, bandwidth × 1000 kbit/s, 80 ms latency, no 0.95 factor.
* Sabre JSON, a list of ``{"duration_ms", "bandwidth_kbps", "latency_ms"}``.
"""
from __future__ import annotations

import bisect
import json
import statistics
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from .errors import TraceError

PENSIEVE_LATENCY_S = 0.08
START_MARK = "@"  # a session entered part-way through its log is named ``<log>@<fraction>`` (``started_at``)


MAX_STARTS = 100  # a start's fraction is named to two decimals, so more starts would share names


def start_fractions(starts: int) -> list[float]:
    """``starts`` evenly spaced points of a log's loop to enter it at (``Trace.started_at``), the first its start."""
    if not 1 <= starts <= MAX_STARTS:
        raise ValueError(f"a log is entered at 1 to {MAX_STARTS} points, not {starts}")
    return [k / starts for k in range(starts)]


def log_name(session_trace: str) -> str:
    """The log a session was played on: its trace's name without ``started_at``'s mark."""
    return session_trace.split(START_MARK, 1)[0]


@dataclass(frozen=True, kw_only=True)
class Period:
    duration_s: float
    kbps: float
    latency_s: float


@dataclass(frozen=True, kw_only=True)
class Trace:
    name: str
    periods: tuple[Period, ...]

    @property
    def duration_s(self) -> float:
        return sum(p.duration_s for p in self.periods)

    def with_latency(self, latency_s: float) -> "Trace":
        """The same trace with every request paying ``latency_s`` to the first byte."""
        return Trace(name=self.name, periods=tuple(Period(duration_s=p.duration_s, kbps=p.kbps, latency_s=latency_s)
                                                   for p in self.periods))

    def started_at(self, fraction: float) -> "Trace":
        """The same link entered ``fraction`` of the way through (at the period that covers that point): the
        simulator loops a trace, so each start is another session on the same link.  With a set as small as
        lte's twelve logs, one start per log leaves a cell's rebuffering to one trace's luck."""
        if not 0.0 <= fraction < 1.0:
            raise ValueError(f"a start must lie in [0, 1) of the trace, not {fraction}")
        if fraction == 0.0:
            return self
        i = bisect.bisect_right(self._ends_s, fraction * self.duration_s)
        return Trace(name=f"{self.name}{START_MARK}{fraction:.2f}", periods=self.periods[i:] + self.periods[:i])

    @property
    def mean_kbps(self) -> float:
        return sum(p.kbps * p.duration_s for p in self.periods) / self.duration_s

    @cached_property
    def _ends_s(self) -> tuple[float, ...]:
        return tuple(accumulate(p.duration_s for p in self.periods))

    def window_mean_kbps(self, start_s: float, seconds: float) -> float:
        """Mean bandwidth over ``[start_s, start_s + seconds)``, the trace looped as the simulator loops it."""
        if seconds <= 0:
            raise ValueError(f"a window of the trace must be positive, not {seconds} s")
        periods, ends = self.periods, self._ends_s
        at = start_s % ends[-1]
        i = min(bisect.bisect_right(ends, at), len(periods) - 1)
        left, kbits, need = ends[i] - at, 0.0, seconds
        while need > 1e-12:
            dt = min(left, need)
            kbits += periods[i].kbps * dt
            need -= dt
            i = (i + 1) % len(periods)
            left = periods[i].duration_s
        return kbits / seconds


def _checked(name: str, periods: list[Period]) -> Trace:
    if not periods:
        raise TraceError(f"{name}: no samples")
    if sum(p.duration_s for p in periods) <= 0 or not any(p.kbps > 0 and p.duration_s > 0 for p in periods):
        raise TraceError(f"{name}: the trace never delivers a bit")
    return Trace(name=name, periods=tuple(periods))


def parse_pensieve(text: str, *, name: str = "trace", latency_s: float = PENSIEVE_LATENCY_S) -> Trace:
    times: list[float] = []
    rates: list[float] = []
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            t, mbps = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise TraceError(f"{name}, line {n}: expected '<time_s> <Mbit/s>'") from None
        if mbps < 0 or (times and t < times[-1]):
            raise TraceError(f"{name}, line {n}: negative rate or time going back")
        times.append(t)
        rates.append(mbps)
    if not times:
        raise TraceError(f"{name}: no samples")
    steps = [b - a for a, b in zip(times, times[1:])]
    last = statistics.median(steps) if steps else 1.0
    steps.append(last)
    return _checked(name, [Period(duration_s=d, kbps=r * 1000.0, latency_s=latency_s) for d, r in zip(steps, rates)])


def parse_sabre(text: str, *, name: str = "trace") -> Trace:
    try:
        obj = json.loads(text)
        periods = [
            Period(duration_s=float(p["duration_ms"]) / 1000.0, kbps=float(p["bandwidth_kbps"]),
                   latency_s=float(p.get("latency_ms", 0)) / 1000.0)
            for p in obj
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TraceError(f"{name}: not a Sabre network JSON: {exc}") from None
    return _checked(name, periods)


def parse_trace(text: str, *, name: str = "trace") -> Trace:
    """Either format, told apart by the first non-blank character."""
    return parse_sabre(text, name=name) if text.lstrip()[:1] in ("[", "{") else parse_pensieve(text, name=name)

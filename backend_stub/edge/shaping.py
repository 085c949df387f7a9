"""Bandwidth shaping shared by every connection of one edge: a rate cap or a looping trace.

Model: the edge has one bottleneck link. Each paced write *reserves* the next free slot on that link
(back to back while the link is busy, from ``now`` when it was idle) and the sender sleeps until the slot's **end** before handing the
bytes to the kernel, so a body of N chunks is delivered in N chunk-times and the measured throughput
equals the configured rate (no early first chunk). Concurrent connections take turns on the same link,
so two parallel downloads each see half the rate, as on a real access link.

A trace (Sabre semantics, shared/abr-traces/README.md) is replayed in a loop from the moment it was set;
a period with 0 kbit/s passes no bytes. All times come from the injected clock (epoch seconds).
"""
from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from backend_stub.edge.faults import TracePeriod

Clock = Callable[[], float]
SLACK_S = 1.0  # how far a busy link's schedule may catch up after the loop was starved of CPU
CHUNK_TIME_S = 0.01  # aim for ~100 writes per second per connection: accurate yet cheap
MIN_CHUNK = 1024
MAX_CHUNK = 256 * 1024


class RateSchedule:
    """Bytes per second as a function of time: constant, or a trace looping from ``origin``."""

    def __init__(self, *, rate_kbps: float | None, trace: Sequence[TracePeriod], origin: float) -> None:
        self._origin = origin
        if trace:
            self._durations = [p.duration_ms / 1000.0 for p in trace]
            self._rates = [p.bandwidth_kbps * 125.0 for p in trace]  # kbit/s -> bytes/s
            self._latencies = [p.latency_ms / 1000.0 for p in trace]
        else:
            self._durations = [1.0]
            self._rates = [float(rate_kbps or 0.0) * 125.0]
            self._latencies = [0.0]
        self._starts = [0.0]
        for d in self._durations[:-1]:
            self._starts.append(self._starts[-1] + d)
        self._cycle = sum(self._durations)
        self._cycle_bytes = sum(r * d for r, d in zip(self._rates, self._durations))

    def _locate(self, t: float) -> tuple[int, float, float]:
        """(period index, seconds left in it, start of the current cycle) at absolute time ``t``."""
        elapsed = max(0.0, t - self._origin)
        cycles, pos = divmod(elapsed, self._cycle)
        i = bisect.bisect_right(self._starts, pos) - 1
        left = self._starts[i] + self._durations[i] - pos
        return i, left, self._origin + cycles * self._cycle

    def rate_at(self, t: float) -> float:
        """Bytes per second at time ``t``."""
        return self._rates[self._locate(t)[0]]

    def latency_at(self, t: float) -> float:
        """The trace's time-to-first-byte (seconds) for a request arriving at ``t``."""
        return self._latencies[self._locate(t)[0]]

    def finish_time(self, start: float, nbytes: int) -> float:
        """When ``nbytes`` sent from ``start`` have fully crossed the link."""
        remaining = float(nbytes)
        t = max(start, self._origin)
        full_cycles = int(remaining // self._cycle_bytes) if self._cycle_bytes > 0 else 0
        if full_cycles > 1:  # skip whole cycles at once for very long bodies
            remaining -= (full_cycles - 1) * self._cycle_bytes
            t += (full_cycles - 1) * self._cycle
        i, left, _ = self._locate(t)
        while True:
            if remaining <= 0:
                return t
            capacity = self._rates[i] * left
            if capacity >= remaining:
                return t + remaining / self._rates[i]
            remaining -= capacity
            t += left
            i = (i + 1) % len(self._durations)
            left = self._durations[i]


class Link:
    """The edge's shared bottleneck: hands out back-to-back transmission slots to paced writers.

    Writers bracket a body with :meth:`begin` / :meth:`end`. While any body is in flight the link is
    *busy*: slots follow one another and a schedule that fell behind (an event loop starved of CPU on
    a shared machine) may catch up by up to ``SLACK_S``, so the average rate holds. A body that starts
    on an idle link starts *now*: idle time never turns into a burst.
    """

    def __init__(self, schedule: RateSchedule, clock: Clock) -> None:
        self.schedule = schedule
        self._clock = clock
        self._next_free = float("-inf")
        self._active = 0

    def begin(self) -> None:
        """A paced body starts."""
        if self._active == 0:
            self._next_free = max(self._next_free, self._clock())
        self._active += 1

    def end(self) -> None:
        """A paced body finished (or broke)."""
        self._active = max(0, self._active - 1)

    def chunk_size(self) -> int:
        """A write size worth about ``CHUNK_TIME_S`` at the current rate."""
        rate = self.schedule.rate_at(self._clock())
        return int(min(MAX_CHUNK, max(MIN_CHUNK, rate * CHUNK_TIME_S)))

    def reserve(self, nbytes: int) -> float:
        """Reserve the link for ``nbytes`` (between begin and end); return seconds to wait before writing."""
        now = self._clock()
        start = max(self._next_free, now - SLACK_S)
        end = self.schedule.finish_time(start, nbytes)
        self._next_free = end
        return max(0.0, end - now)

"""Client-side network emulation (issue 9): a ``Transport`` wrapper that shapes every read to a trace.

QA engineers test *any* CDN, not only ours, so the emulation sits in the client, between the CDN pool
and the real HTTP transport (``SessionOptions.wrap_transport``). It models the viewer's access link:

* **throughput** — one link shared by every request (manifests, init and media segments of all
  tracks, on every CDN), played from a trace (``abr.traces``: Pensieve text or Sabre JSON, looped
  when it ends, trace time starting at the first request). Requests queue on the link first come,
  first served: a transfer starts when the link is free and its bits leave at the trace's rate, so
  the bits delivered over any busy interval equal the trace's integral over it — what makes the
  measured throughput match the trace, not only on average;
* **latency** — the trace period's latency plus ``extra_latency_s`` before the first byte;
* **loss** — every ``loss_every``-th request has its connection dropped (``ConnectFailed``), which
  the pool counts as a failure of that CDN and fails over from;
* **stalls** — the transport's own stall rule (``StallPolicy``: read timeout and throughput floor,
  DESIGN "CDN pool") is applied to the emulated transfer, so a trace dip below the floor aborts the
  request at the moment the real transport would have (``StallDetected``).

The real transfer runs first at full speed (loopback or a real CDN); the wrapper then withholds the
response until the emulated link would have delivered it. A real network slower than the emulated
link therefore still shows through. Time comes from the injected ``Clock``.

A request's ``on_progress`` hears the *emulated* arrival: ``(0, total)`` at the emulated first byte,
then the bytes the link has carried every ``PROGRESS_STEP_S``, so the scheduler's ABR abandonment
judges a transfer on the link the QA engineer asked for. A request cancelled mid-way (abandoned)
frees the link at once, as a closed connection would.
"""
from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from abr.traces import Trace, parse_trace
from player.net import Clock, ConnectFailed, DataCallback, FetchResult, ProgressCallback, SegmentRequest, StallDetected, Transport
from player.net.transport import floor_bps

STEP_S = 0.01  # resolution of the stall-floor check over an emulated transfer
PROGRESS_STEP_S = 0.05  # how often ``on_progress`` hears of an emulated transfer's bytes


def load_trace(path: str | Path) -> Trace:
    """A trace file in either format of ``../shared/abr-traces`` (``abr.traces.parse_trace``)."""
    file = Path(path)
    return parse_trace(file.read_text(encoding="utf-8"), name=file.name)


@dataclass(frozen=True, kw_only=True)
class Shaping:
    """What to emulate; ``None``/0 switches a part off."""

    trace: Trace | None = None
    extra_latency_s: float = 0.0
    loss_every: int | None = None

    def __post_init__(self) -> None:
        if self.extra_latency_s < 0:
            raise ValueError("latency cannot be negative")
        if self.loss_every is not None and self.loss_every < 1:
            raise ValueError("loss_every must be at least 1")

    @property
    def active(self) -> bool:
        return self.trace is not None or self.extra_latency_s > 0 or bool(self.loss_every)


class TraceLink:
    """A trace as a link: rate at trace time ``t`` (looped), bits sent in an interval, finish times."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self._starts: list[float] = []
        self._bits_before: list[float] = []  # cumulative bits at each period start
        t = bits = 0.0
        for period in trace.periods:
            self._starts.append(t)
            self._bits_before.append(bits)
            t += period.duration_s
            bits += period.kbps * 1000.0 * period.duration_s
        self.cycle_s = t
        self.cycle_bits = bits

    def _period(self, t: float) -> int:
        return max(0, bisect.bisect_right(self._starts, t % self.cycle_s) - 1)

    def latency_s(self, t: float) -> float:
        return self.trace.periods[self._period(t)].latency_s

    def kbps(self, t: float) -> float:
        return self.trace.periods[self._period(t)].kbps

    def bits_until(self, t: float) -> float:
        """Bits the link can carry from trace time 0 to ``t``."""
        cycles, offset = divmod(max(t, 0.0), self.cycle_s)
        i = self._period(offset)
        return cycles * self.cycle_bits + self._bits_before[i] + self.trace.periods[i].kbps * 1000.0 * (offset - self._starts[i])

    def finish(self, start: float, bits: float) -> float:
        """The trace time at which ``bits`` sent from ``start`` have all left."""
        target = self.bits_until(start) + bits
        cycles, rest = divmod(target, self.cycle_bits)
        # the first instant whose cumulative bits reach ``rest`` within one cycle
        i = max(0, bisect.bisect_left(self._bits_before, rest) - 1)
        while True:
            period = self.trace.periods[i]
            rate = period.kbps * 1000.0
            if rate > 0 and rest <= self._bits_before[i] + rate * period.duration_s:
                return cycles * self.cycle_s + self._starts[i] + (rest - self._bits_before[i]) / rate
            i += 1
            if i == len(self.trace.periods):  # rounding at the cycle's end
                return (cycles + 1) * self.cycle_s


class ShapedTransport:
    """``Transport`` that delivers ``inner``'s responses as the emulated link would (see module doc)."""

    def __init__(self, inner: Transport, shaping: Shaping, clock: Clock) -> None:
        self.inner = inner
        self.shaping = shaping
        self.clock = clock
        self.link = TraceLink(shaping.trace) if shaping.trace is not None else None
        self.origin: float | None = None  # clock time of trace time 0 (the first request)
        self.requests = 0
        self.dropped = 0
        self._link_free_at = 0.0  # trace time at which the link has sent everything queued

    async def aclose(self) -> None:
        closer = getattr(self.inner, "aclose", None)
        if closer is not None:
            await closer()

    def _trace_now(self) -> float:
        assert self.origin is not None
        return self.clock.now() - self.origin

    async def _sleep_until(self, trace_t: float) -> None:
        await self.clock.sleep(trace_t - self._trace_now())

    async def fetch(self, request: SegmentRequest) -> FetchResult:
        if self.origin is None:
            self.origin = self.clock.now()
        self.requests += 1
        sent = self._trace_now()
        latency = self.shaping.extra_latency_s + (self.link.latency_s(sent) if self.link else 0.0)
        await self._sleep_until(sent + latency)
        if self.shaping.loss_every and self.requests % self.shaping.loss_every == 0:
            self.dropped += 1
            error = ConnectFailed(f"emulated loss: connection dropped (request {self.requests}, every {self.shaping.loss_every})")
            error.elapsed_s = self._trace_now() - sent  # type: ignore[attr-defined]
            raise error
        if self.link is not None and request.on_data is not None:
            return await self._streamed(request, sent)
        progress = request.on_progress
        if self.link is None:  # no trace: the body arrives as the real transfer reads it
            result = await self.inner.fetch(request)
            first_byte = sent + latency + result.ttfb_s
            return replace(result, ttfb_s=first_byte - sent, duration_s=self._trace_now() - sent)
        result = await self.inner.fetch(replace(request, on_progress=None, on_data=None))  # full speed: arrival is emulated below
        first_byte = sent + latency + result.ttfb_s
        begin = max(first_byte, self._link_free_at)
        bits = result.bytes * 8.0
        end = self.link.finish(begin, bits)
        abort = self._stall_point(request, result, begin, end)
        stop = end if abort is None else abort[0]
        self._link_free_at = stop
        try:
            await self._deliver(progress, request.on_data, result, begin, stop, result.bytes if abort is None else abort[1])
        except BaseException:  # cancelled (abandoned): the link is free from now on, not from ``stop``
            if self._link_free_at == stop:
                self._link_free_at = max(begin, self._trace_now())
            raise
        if abort is not None:
            at, received = abort
            stalled = StallDetected(f"stalled after {received} bytes on the emulated link ({self.link.kbps(at):.0f} kbit/s)",
                                    received=received)
            stalled.elapsed_s = at - sent  # type: ignore[attr-defined]
            raise stalled
        done = max(end, self._trace_now())
        return replace(result, ttfb_s=begin - sent, duration_s=done - sent)

    async def _streamed(self, request: SegmentRequest, sent: float) -> FetchResult:
        """A body read as it arrives (live chunks): each piece leaves the emulated link once it has come from
        the real one and the link has carried what was queued before it, so chunks keep the encoder's pace
        and the link its rate. Stalls are left to the real transfer's own rule."""
        assert self.link is not None and request.on_data is not None
        link, on_data, progress = self.link, request.on_data, request.on_progress
        pieces: asyncio.Queue[bytes | None] = asyncio.Queue()
        inner = asyncio.ensure_future(self.inner.fetch(replace(request, on_progress=None, on_data=pieces.put_nowait)))
        inner.add_done_callback(lambda _task: pieces.put_nowait(None))
        first: float | None = None
        received = 0
        try:
            while (piece := await pieces.get()) is not None:
                begin = max(self._trace_now(), self._link_free_at)
                self._link_free_at = link.finish(begin, len(piece) * 8.0)
                await self._sleep_until(self._link_free_at)
                if first is None:
                    first = begin
                    if progress is not None:
                        progress(0, None)
                received += len(piece)
                if progress is not None:
                    progress(received, None)
                on_data(piece)
            result = await inner
        except BaseException:
            inner.cancel()
            await asyncio.gather(inner, return_exceptions=True)
            self._link_free_at = min(self._link_free_at, self._trace_now())
            raise
        return replace(result, ttfb_s=(self._trace_now() if first is None else first) - sent, duration_s=self._trace_now() - sent)

    async def _deliver(self, progress: ProgressCallback | None, on_data: DataCallback | None, result: FetchResult,
                       begin: float, stop: float, final: int) -> None:
        """Wait until trace time ``stop``, telling ``progress`` (and ``on_data``, the bytes themselves) what
        the link has carried from ``begin`` on (``final`` bytes at ``stop``)."""
        if progress is None and on_data is None:
            await self._sleep_until(stop)
            return
        assert self.link is not None
        total = result.bytes if "content-length" in result.headers else None
        await self._sleep_until(begin)
        if progress is not None:
            progress(0, total)
        base = self.link.bits_until(begin)
        t, sent = begin, 0
        while t < stop:
            t = min(max(t, self._trace_now()) + PROGRESS_STEP_S, stop)
            await self._sleep_until(t)
            got = final if t >= stop else min(int((self.link.bits_until(t) - base) / 8), final)
            if got and progress is not None:
                progress(got, total)
            if got > sent and on_data is not None:
                on_data(result.body[sent:got])
                sent = got

    def _stall_point(self, request: SegmentRequest, result: FetchResult, begin: float, end: float) -> tuple[float, int] | None:
        """Where ``HttpTransport``'s stall rule would abort this emulated transfer: (trace time, bytes received)."""
        assert self.link is not None
        policy = request.stall
        floor = floor_bps(request, result.bytes)
        base = self.link.bits_until(begin)
        last_progress = begin
        t = begin
        while t < end:
            t = min(t + STEP_S, end)
            if self.link.kbps(t - STEP_S / 2) > 0:
                last_progress = t
            got = self.link.bits_until(t) - base
            if t - last_progress >= policy.read_s:
                return t, int(got / 8)
            if floor > 0 and t - begin >= policy.grace_s and got / (t - begin) < floor and t < end:
                return t, int(got / 8)
        return None


def shaped(shaping: Shaping) -> Callable[[Transport, Clock], Transport] | None:
    """A ``SessionOptions.wrap_transport`` hook for ``shaping`` (``None`` when nothing is emulated); the
    session hands it its own clock, so the emulated link runs on the session's time axis."""
    if not shaping.active:
        return None

    def wrap(inner: Transport, clock: Clock) -> Transport:
        return ShapedTransport(inner, shaping, clock)

    return wrap

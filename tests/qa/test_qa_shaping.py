"""Client-side network emulation (issue 9) against a plain static server: accuracy, loss, and ABR following a trace."""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from abr.traces import parse_trace
from player.net import CdnPool, Clock, HttpTransport, MonotonicClock, SegmentRequest, StallPolicy, Transport
from player.playback import PlaybackSession, SessionOptions
from player.net.shaping import PROGRESS_STEP_S, ShapedTransport, Shaping, TraceLink, load_trace

from qakit import LoopLag, RealArrivals, StaticServer

STEPS = [{"duration_ms": 3000, "bandwidth_kbps": 2000, "latency_ms": 0},
         {"duration_ms": 3000, "bandwidth_kbps": 600, "latency_ms": 0}]


def due(link: TraceLink, first_byte: float, bits: float, real_done: float) -> float:
    """The latest a shaped transfer whose first byte left at ``first_byte`` may end (trace time): when the trace
    has carried its bits (+10 % of that time), or when the real body was complete, whichever is later."""
    finish = link.finish(first_byte, bits)
    return max(finish + 0.10 * (finish - first_byte), real_done)


def test_trace_link_integrates_and_inverts_a_looped_trace() -> None:
    """bits_until and finish are inverse over periods, a zero-rate gap and the loop back to the start."""
    link = TraceLink(parse_trace(json.dumps([
        {"duration_ms": 1000, "bandwidth_kbps": 1000}, {"duration_ms": 1000, "bandwidth_kbps": 0},
        {"duration_ms": 2000, "bandwidth_kbps": 500}])))
    assert link.bits_until(1.5) == pytest.approx(1_000_000)
    assert link.finish(0.0, 1_000_000) == pytest.approx(1.0)
    assert link.finish(0.5, 1_000_000) == pytest.approx(3.0)  # waits out the silent second
    assert link.finish(3.9, 1_000_000) == pytest.approx(4.95)  # wraps into the next cycle


def test_both_trace_formats_load(tmp_path: Path) -> None:
    """A Pensieve text trace and a Sabre JSON trace from shared/abr-traces both load with their rates."""
    text = tmp_path / "cooked"
    text.write_text("0.0\t1.5\n1.0\t0.5\n2.0\t2.0\n")
    sabre = tmp_path / "net.json"
    sabre.write_text(json.dumps(STEPS))
    assert [p.kbps for p in load_trace(text).periods] == [1500.0, 500.0, 2000.0]
    assert [p.kbps for p in load_trace(sabre).periods] == [2000.0, 600.0]


def test_measured_throughput_is_within_ten_percent_of_the_trace(tmp_path: Path) -> None:
    """Fetches through the shaper, timed by the test's own clock, carry the trace's bits over each transfer (±10 %).

    Never faster than the trace from the first byte the shaper reports, however idle the box. Never later
    than the trace allows from the real first byte (or than the real body came: the box's server thread
    can be starved), except by what the loop's own lag (``LoopLag``, measured alongside) held the wake."""
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 600)  # 153.6 kB
    server = StaticServer(folder).start()
    trace = parse_trace(json.dumps(STEPS))
    link = TraceLink(trace)

    async def run() -> tuple[list[tuple[float, float, int]], RealArrivals, LoopLag, float]:
        real = RealArrivals(HttpTransport(clock=MonotonicClock()))
        shaper = ShapedTransport(real, Shaping(trace=trace), MonotonicClock())
        spans = []
        origin = None
        try:
            async with LoopLag() as lag:
                while origin is None or time.monotonic() - origin < 5.5:
                    start = time.monotonic()
                    origin = origin if origin is not None else start
                    result = await shaper.fetch(SegmentRequest(url=server.url("blob.bin"), stall=StallPolicy(min_floor_bps=0)))
                    spans.append((start - origin + result.ttfb_s, time.monotonic() - origin, result.bytes))
        finally:
            await real.aclose()
        assert origin is not None
        return spans, real, lag, origin

    try:
        spans, real, lag, origin = asyncio.run(run())
    finally:
        server.stop()
    assert len(spans) >= 4
    arrivals = real.times[server.url("blob.bin")]
    assert len(arrivals) == len(spans)
    for (first_byte, end, size), (real_first, real_done) in zip(spans, arrivals):
        carried = link.bits_until(end) - link.bits_until(first_byte)
        assert size * 8 <= carried * 1.10, ("faster than the trace", first_byte, end, size)
        late = end - due(link, real_first - origin, size * 8, real_done - origin)
        assert late <= lag.around(origin + end), ("slower than the trace", first_byte, end, size, late)
    total_bits = sum(size * 8 for _, _, size in spans)
    assert total_bits <= link.bits_until(spans[-1][1]) * 1.10  # over the whole run too: never above the trace


def test_loss_every_drops_a_connection_and_the_pool_fails_over(tmp_path: Path) -> None:
    """--loss-every 2: every second request fails with ConnectFailed; the pool moves that segment to the other CDN."""
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "a.bin").write_bytes(b"x" * 2000)
    server = StaticServer(folder).start()

    async def run() -> CdnPool:
        inner = HttpTransport(clock=MonotonicClock())
        shaper = ShapedTransport(inner, Shaping(loss_every=2), MonotonicClock())
        origins = [server.url("a.bin"), server.url("a.bin").replace("127.0.0.1", "localhost")]
        pool = CdnPool(origins, shaper, MonotonicClock())
        try:
            for _ in range(3):
                assert len((await pool.fetch_segment(origins[0])).body) == 2000
        finally:
            await pool.aclose()
            await inner.aclose()
        return pool

    try:
        pool = asyncio.run(run())
    finally:
        server.stop()
    failed = [r for r in pool.records if r.error]
    assert failed and all(r.error.startswith("ConnectFailed: emulated loss") for r in failed)
    assert pool.failovers >= 1 and failed[0].failover_to == 1


def test_shaped_session_on_a_static_server_follows_the_trace(static_title: StaticServer, tmp_path: Path) -> None:
    """Against a plain StaticFiles server: low link → low rungs, high link → the top rung; throughput matches the
    trace (never faster; later only by the real body's own arrival or the loop's measured lag, as above)."""
    trace_file = tmp_path / "steps.json"
    trace_file.write_text(json.dumps([{"duration_ms": 7000, "bandwidth_kbps": 600, "latency_ms": 20},
                                      {"duration_ms": 60000, "bandwidth_kbps": 3000, "latency_ms": 20}]))
    trace = load_trace(trace_file)
    url = static_title.url("manifest.mpd")
    reals: list[RealArrivals] = []

    def wrap(inner: Transport, clock: Clock) -> Transport:
        reals.append(RealArrivals(inner))
        return ShapedTransport(reals[-1], Shaping(trace=trace), clock)

    session = PlaybackSession(target=url, options=SessionOptions(buffer_capacity_s=6.0, wrap_transport=wrap),
                              manifest_urls=[url])

    async def run() -> tuple[dict[str, Any], LoopLag]:
        async with LoopLag() as lag:
            return await session.run(), lag

    report, lag = asyncio.run(run())
    assert report["errors"] == [] and report["played_s"] > 19
    origin = report["requests"][0]["t_s"]  # the shaper's trace time starts at the first request
    video = [s for s in report["segments"] if s["type"] == "video"]
    low = [s for s in video if s["at_s"] - origin < 6.0]
    high = [s for s in video if s["at_s"] - origin > 11.0]
    assert low and max(s["bitrate_kbps"] for s in low) < 600
    assert high and high[-1]["bitrate_kbps"] > 1000
    link = TraceLink(trace)
    trace_zero = session.qoe.opened_at + origin  # time.monotonic of trace time 0
    arrivals = {u: iter(times) for u, times in reals[0].times.items()}
    checked = 0
    for r in report["requests"]:
        real = next(arrivals[r["url"]]) if r["url"] in arrivals else None
        if r["kind"] == "segment" and not r["error"] and r["bytes"] > 20_000:
            begin, end = r["t_s"] - origin + r["ttfb_s"], r["t_s"] - origin + r["duration_s"]
            assert r["bytes"] * 8 <= (link.bits_until(end) - link.bits_until(begin)) * 1.10, ("faster", r)
            assert real is not None, r["url"]
            late = end - due(link, begin, r["bytes"] * 8, real[1] - trace_zero)
            assert late <= lag.around(trace_zero + end) + 0.002, ("slower", r, late)  # t_s: rounded to 1 ms
            checked += 1
    assert checked >= 5


def test_progress_follows_the_emulated_link_and_an_abandoned_request_frees_it(tmp_path: Path) -> None:
    """``on_progress`` hears the shaped arrival (not the full-speed real one); cancelling mid-way frees the link at once.

    Times are the test's own; a wake the busy box held late (``LoopLag``) is forgiven by exactly that much."""
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 400)  # 102.4 kB: 0.41 s at 2 Mbit/s
    server = StaticServer(folder).start()
    trace = parse_trace(json.dumps([{"duration_ms": 60_000, "bandwidth_kbps": 2000, "latency_ms": 0}]))
    size = 102_400
    ideal = size * 8 / 2_000_000
    link = TraceLink(trace)

    async def run() -> tuple[list[tuple[float, int, int | None]], float, float, float, LoopLag, RealArrivals]:
        inner = RealArrivals(HttpTransport(clock=MonotonicClock()))
        shaper = ShapedTransport(inner, Shaping(trace=trace), MonotonicClock())
        calls: list[tuple[float, int, int | None]] = []
        try:
            async with LoopLag() as lag:
                start = time.monotonic()
                request = SegmentRequest(url=server.url("blob.bin"), stall=StallPolicy(min_floor_bps=0),
                                         on_progress=lambda got, total: calls.append((time.monotonic() - start, got, total)))
                result = await shaper.fetch(request)
                assert result.bytes == size
                # the same body again, abandoned a third of the way: the next request need not wait out its end
                cut: list[int] = []
                task = asyncio.ensure_future(shaper.fetch(SegmentRequest(
                    url=server.url("blob.bin"), stall=StallPolicy(min_floor_bps=0), on_progress=lambda got, _t: cut.append(got))))
                while not cut or cut[-1] < size // 3:
                    await asyncio.sleep(0.01)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await shaper.fetch(SegmentRequest(url=server.url("blob.bin"), stall=StallPolicy(min_floor_bps=0)))
                done_at = time.monotonic()
            return calls, result.duration_s, start, done_at, lag, inner
        finally:
            await inner.aclose()

    try:
        calls, duration, start, done_at, lag, real = asyncio.run(run())
    finally:
        server.stop()
    (first, first_done), _abandoned, (last, last_done) = real.times[server.url("blob.bin")]
    assert calls[0][1:] == (0, size) and calls[-1][1:] == (size, size)
    counts = [got for _, got, _ in calls]
    assert counts == sorted(counts) and len(counts) >= 5
    first, first_done, last, last_done, done_at = (t - start for t in (first, first_done, last, last_done, done_at))
    assert duration >= ideal * 0.9
    assert duration <= due(link, first, size * 8, first_done) + lag.around(start + duration)
    # half the body is reported around half-way through the emulated transfer, not all at once at its end
    half_at = next(t for t, got, _ in calls if got >= size // 2)
    assert first + 0.3 * ideal <= half_at, calls
    assert half_at <= max(first + 0.75 * ideal, first_done + PROGRESS_STEP_S) + lag.around(start + half_at), calls
    # a full body takes ~0.41 s on the link; had the abandoned one kept it, the next would end ~0.27 s later
    assert done_at <= due(link, last, size * 8, last_done) + lag.around(start + done_at), (done_at, last)

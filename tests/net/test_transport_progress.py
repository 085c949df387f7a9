"""Progress while a body arrives (``SegmentRequest.on_progress``), and a request cancelled mid-body, against real edges.

The scheduler's ABR abandonment stands on these: it must see bytes as they come (not all at the end),
a failover must restart the count, and a cancelled request must close its connection and be logged as
aborted without blaming the CDN.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

from net_harness import SEGMENTS, edges

from backend_stub.edge import FaultConfig
from player.net import CdnPool, HttpTransport, ManualClock, SegmentRequest, StallPolicy

SEG = "v0/seg-2.m4s"
SIZE = SEGMENTS[SEG]  # 202 000 bytes
FAST_STALL = StallPolicy(connect_s=1.0, read_s=0.6, grace_s=0.3, floor_ratio=0.5)


def test_progress_follows_the_body_as_it_arrives(tmp_path: Path) -> None:
    """At 4 Mbit/s the 202 kB body takes ~0.4 s: (0, total) at the head, then growing counts spread over that time."""
    async def main() -> list[tuple[float, int, int | None]]:
        calls: list[tuple[float, int, int | None]] = []
        async with edges(tmp_path, count=1) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(rate_kbps=4000))
            started = time.monotonic()
            result = await t.fetch(SegmentRequest(
                url=e.url(0, SEG), on_progress=lambda got, total: calls.append((time.monotonic() - started, got, total)),
            ))
            assert result.body == e.title.files[SEG]
            assert calls[0][0] <= result.ttfb_s + 0.05  # the head call comes with the response head
        return calls

    calls = asyncio.run(main())
    assert calls[0][1:] == (0, SIZE)
    counts = [got for _, got, _ in calls]
    assert counts == sorted(counts) and counts[-1] == SIZE and len(counts) >= 10
    assert {total for _, _, total in calls} == {SIZE}
    # bytes arrive over the transfer, not in one lump at its end: half the body is in well before the end
    half_at = next(t for t, got, _ in calls if got >= SIZE // 2)
    assert calls[-1][0] - half_at >= 0.1, calls


def test_progress_is_not_part_of_the_request_value() -> None:
    """Two requests differing only in their callback are equal and hash alike (the request stays a value)."""
    a = SegmentRequest(url="http://127.0.0.1/x", on_progress=lambda got, total: None)
    b = SegmentRequest(url="http://127.0.0.1/x")
    assert a == b and hash(a) == hash(b) and "on_progress" not in repr(a)


def test_a_failover_restarts_the_count_from_zero(tmp_path: Path) -> None:
    """Edge 0 goes silent after 40 kB; the pool moves to edge 1, whose attempt reports from (0, total) again."""
    async def main() -> tuple[list[tuple[int, int | None]], CdnPool]:
        calls: list[tuple[int, int | None]] = []
        async with edges(tmp_path, count=2) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(stall_after_bytes=40_000))
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=FAST_STALL)
            d = await pool.fetch_segment(e.url(0, SEG), on_progress=lambda got, total: calls.append((got, total)))
            assert d.cdn == 1 and d.body == e.title.files[SEG]
        return calls, pool

    calls, pool = asyncio.run(main())
    restarts = [i for i, (got, _) in enumerate(calls) if got == 0]
    assert len(restarts) == 2, calls
    first, second = calls[:restarts[1]], calls[restarts[1]:]
    assert 40_000 <= first[-1][0] < SIZE  # edge 0's attempt got its 40 kB
    assert second[-1] == (SIZE, SIZE)
    assert pool.failovers == 1 and pool.log.aborted == 0


def test_a_cancelled_request_is_logged_as_aborted_without_blaming_the_cdn(tmp_path: Path) -> None:
    """Cancelled mid-body (as the scheduler abandons a segment): the edge sees its connection closed, the pool
    logs an aborted attempt with the bytes received, no failover, the CDN stays healthy and serves the next request."""
    async def main() -> None:
        async with edges(tmp_path, count=2) as e, HttpTransport() as t:
            edge = e.servers[0]
            edge.set_faults(FaultConfig(rate_kbps=800))  # 202 kB take ~2 s
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=StallPolicy(read_s=5.0, floor_ratio=0.0))
            got: list[int] = []
            fetch = asyncio.ensure_future(pool.fetch_segment(e.url(0, SEG), on_progress=lambda n, _total: got.append(n)))
            while not got or got[-1] < 20_000:
                await asyncio.sleep(0.02)
            fetch.cancel("abandoned by the ABR")
            await asyncio.gather(fetch, return_exceptions=True)
            assert fetch.cancelled()

            [record] = pool.records
            assert record.aborted and record.cdn == 0 and record.failover_to is None
            assert record.error is not None and record.error.startswith("Aborted: abandoned by the ABR")
            assert got[-1] <= record.bytes < SIZE
            assert pool.failovers == 0 and pool.log.aborted == 1
            assert not pool.health(0).is_benched(pool.clock.now()) and pool.health(0).consecutive_failures == 0
            # the half-read connection is closed, not parked in the pool: the edge sees it end
            deadline = time.monotonic() + 2.0
            while edge.connections and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert edge.connections == 0
            assert edge.requests[-1].path.endswith(SEG) and edge.requests[-1].bytes_sent < SIZE

            edge.set_faults(FaultConfig())
            again = await pool.fetch_segment(e.url(0, SEG))
            assert again.cdn == 0 and again.body == e.title.files[SEG]
    asyncio.run(main())


def test_data_comes_as_it_arrives_and_adds_up_to_the_body(tmp_path: Path) -> None:
    """``on_data`` (live chunked delivery) hears the body piece by piece while it arrives, in order."""
    async def main() -> tuple[list[tuple[float, bytes]], bytes, float]:
        pieces: list[tuple[float, bytes]] = []
        async with edges(tmp_path, count=1) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(rate_kbps=4000))
            started = time.monotonic()
            result = await t.fetch(SegmentRequest(url=e.url(0, SEG),
                                                  on_data=lambda data: pieces.append((time.monotonic() - started, data))))
            return pieces, result.body, time.monotonic() - started

    pieces, body, took = asyncio.run(main())
    assert b"".join(data for _, data in pieces) == body and len(body) == SIZE
    assert len(pieces) >= 10 and pieces[len(pieces) // 2][0] < took - 0.1


def test_a_shaped_link_passes_data_on_at_the_traces_rate(tmp_path: Path) -> None:
    """Through the shaping wrapper at 1 Mbit/s the 202 kB body takes ~1.6 s and its pieces come spread
    over that time (not all at the end, which would put a chunked live segment a segment behind)."""
    from abr.traces import Period, Trace
    from player.net import MonotonicClock
    from player.net.shaping import Shaping, ShapedTransport

    async def main() -> tuple[list[tuple[float, int]], bytes, float]:
        pieces: list[tuple[float, int]] = []
        async with edges(tmp_path, count=1) as e, HttpTransport() as t:
            shaped = ShapedTransport(t, Shaping(trace=Trace(name="flat", periods=(Period(duration_s=60, kbps=1000, latency_s=0),))),
                                     MonotonicClock())
            started = time.monotonic()
            result = await shaped.fetch(SegmentRequest(url=e.url(0, SEG),
                                                       on_data=lambda data: pieces.append((time.monotonic() - started, len(data)))))
            return pieces, result.body, time.monotonic() - started

    pieces, body, took = asyncio.run(main())
    assert sum(n for _, n in pieces) == len(body) == SIZE
    assert took >= SIZE * 8 / 1e6 - 0.05
    half_at = next(t for t, got in zip((t for t, _ in pieces), _running(n for _, n in pieces)) if got >= SIZE // 2)
    assert took - half_at >= 0.5, pieces


def _running(sizes: Iterator[int]) -> Iterator[int]:
    total = 0
    for n in sizes:
        total += n
        yield total

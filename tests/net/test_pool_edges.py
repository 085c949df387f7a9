"""CdnPool + HttpTransport against real fault-injecting edges on 127.0.0.1."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from net_harness import edges

from backend_stub.edge import FaultConfig
from player.net import (
    AllCdnsFailed, CdnPool, ConnectFailed, HttpTransport, ManualClock, RetryPolicy, StallPolicy,
)

SEG = "v0/seg-2.m4s"
FAST_STALL = StallPolicy(connect_s=1.0, read_s=0.6, grace_s=0.3, floor_ratio=0.5)


def errors_on(pool: CdnPool, cdn: int) -> list[str]:
    return [r.error or "" for r in pool.records if r.cdn == cdn and r.error]


def test_edge_down_fails_over_with_right_bytes(tmp_path: Path) -> None:
    """Edge 0 refusing connections: the segment comes from edge 1, byte for byte, one failover."""
    async def main() -> None:
        async with edges(tmp_path) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(down=True))
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=FAST_STALL)
            d = await pool.fetch_segment(e.url(0, SEG), byte_range=(1000, 50_000))  # (start, length)
            assert d.body == e.title.files[SEG][1000:51_000] and d.cdn == 1
            assert errors_on(pool, 0)[0].startswith("ConnectFailed") and pool.failovers == 1
            assert [r.range for r in e.servers[1].requests] == ["bytes=1000-50999"]
    asyncio.run(main())


def test_stall_after_n_bytes_detected_by_read_timeout(tmp_path: Path) -> None:
    """Edge 0 goes silent after 40 kB (no error): the read timeout aborts it and edge 1 delivers."""
    async def main() -> None:
        async with edges(tmp_path) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(stall_after_bytes=40_000))
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=FAST_STALL)
            started = time.monotonic()
            d = await pool.fetch_segment(e.url(0, SEG))
            elapsed = time.monotonic() - started
            assert d.body == e.title.files[SEG] and d.cdn == 1
            failed = [r for r in pool.records if r.cdn == 0][0]
            assert failed.error.startswith("StallDetected") and failed.bytes >= 40_000 and failed.failover_to == 1
            assert FAST_STALL.read_s <= failed.duration_s < FAST_STALL.read_s + 1.0
            assert elapsed < FAST_STALL.read_s + 2.0  # bounded by the stall policy, not by a TCP timeout
            assert e.servers[0].requests[-1].faults == ("stall",)
    asyncio.run(main())


def test_trickle_below_floor_detected(tmp_path: Path) -> None:
    """Edge 0 trickles at 160 kbit/s for a 2 Mbit/s segment: the throughput floor aborts it."""
    async def main() -> None:
        async with edges(tmp_path) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(rate_kbps=160))
            stall = StallPolicy(connect_s=1.0, read_s=5.0, grace_s=0.4, floor_ratio=0.5)
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=stall)
            d = await pool.fetch_segment(e.url(0, SEG), bitrate_bps=2_000_000, duration_s=1.0)
            assert d.body == e.title.files[SEG] and d.cdn == 1
            failed = [r for r in pool.records if r.cdn == 0][0]
            assert "floor" in failed.error and stall.grace_s <= failed.duration_s < stall.read_s
    asyncio.run(main())


def test_dropped_connection_truncated_then_refetched(tmp_path: Path) -> None:
    """Edge 0 closes after 30 kB: TruncatedSegment on edge 0, the whole segment from edge 1."""
    async def main() -> None:
        async with edges(tmp_path) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(drop_after_bytes=30_000))
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=FAST_STALL)
            d = await pool.fetch_segment(e.url(0, SEG))
            assert d.body == e.title.files[SEG] and d.cdn == 1
            assert errors_on(pool, 0)[0].startswith("TruncatedSegment")
    asyncio.run(main())


def test_5xx_fraction_retried_elsewhere(tmp_path: Path) -> None:
    """Edge 0 answers 503 half the time: every segment still arrives intact, the 503s fail over."""
    async def main() -> None:
        async with edges(tmp_path) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(error_status=503, error_fraction=0.5, seed=7))
            clock = ManualClock()
            pool = CdnPool(e.manifest_urls(), t, clock, stall=FAST_STALL)
            for i in range(1, 6):
                name = f"v0/seg-{i}.m4s"
                clock.advance(5.0)  # let benched edge 0 be probed between segments
                await pool.probe_benched()
                d = await pool.fetch_segment(e.url(0, name))
                assert d.body == e.title.files[name]
            served_503 = [r for r in e.servers[0].requests if r.status == 503]
            failed = [r for r in pool.records if r.status == 503]
            assert served_503 and len(failed) == len(served_503)
            assert all(r.failover_to not in (None, 0) for r in failed if r.kind == "segment")
    asyncio.run(main())


def test_failed_cdn_probed_after_back_off_and_used_again(tmp_path: Path) -> None:
    """Edge 0 down then back: not probed before its back-off, probed after, and serves again."""
    async def main() -> None:
        async with edges(tmp_path) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(down=True))
            clock = ManualClock()
            pool = CdnPool(e.manifest_urls(), t, clock, stall=FAST_STALL)
            await pool.fetch_segment(e.url(0, SEG))
            e.servers[0].set_faults(FaultConfig())
            clock.advance(1.0)
            await pool.probe_benched()
            assert e.servers[0].requests == []  # still inside the 2 s back-off
            clock.advance(1.5)
            await pool.probe_benched()
            assert [r.status for r in e.servers[0].requests] == [206]  # the probe, seen by the edge
            assert not pool.health(0).is_benched(clock.now())
            e.servers[1].set_faults(FaultConfig(down=True))
            e.servers[2].set_faults(FaultConfig(down=True))
            d = await pool.fetch_segment(e.url(1, SEG))
            assert d.cdn == 0 and d.attempts == 1 and d.body == e.title.files[SEG]
    asyncio.run(main())


def test_pin_disables_failover(tmp_path: Path) -> None:
    """force_cdn=0 with edge 0 down: ConnectFailed surfaces and edges 1 and 2 see nothing."""
    async def main() -> None:
        async with edges(tmp_path) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(down=True))
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=FAST_STALL, force_cdn=0)
            with pytest.raises(ConnectFailed):
                await pool.fetch_segment(e.url(0, SEG))
            assert e.servers[1].requests == [] and e.servers[2].requests == [] and pool.failovers == 0
    asyncio.run(main())


def test_all_down_clear_error(tmp_path: Path) -> None:
    """Every edge down: AllCdnsFailed naming each CDN's failure, with no token in the message."""
    async def main() -> None:
        async with edges(tmp_path) as e, HttpTransport() as t:
            for s in e.servers:
                s.set_faults(FaultConfig(down=True))
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=FAST_STALL, retry=RetryPolicy(max_rounds=2))
            url = e.url(0, SEG)
            with pytest.raises(AllCdnsFailed) as info:
                await pool.fetch_segment(url)
            message = str(info.value)
            assert "all 3 CDNs failed" in message and "cdn0: ConnectFailed" in message and "cdn2" in message
            assert url.split("/")[4] not in message  # the signed token
    asyncio.run(main())

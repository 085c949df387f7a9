"""CdnPool decisions with an in-process handler transport and a manual clock (no sockets, no sleeping)."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from player.net import (
    CdnPool, ConnectFailed, FetchResult, HttpStatusError, ManualClock, PoolFailure, RedirectError, RequestKind,
    RetryPolicy, SegmentRequest, StallDetected,
)
from player.net.testing import HandlerTransport

ORIGINS = [f"http://127.0.0.1:{p}/c/99-sig{p}/t1/manifest.mpd" for p in (1, 2, 3)]
SEG = "http://127.0.0.1:1/c/99-sig1/t1/v0/seg-1.m4s"


def ok(request: SegmentRequest) -> FetchResult:
    return FetchResult(url=request.url, status=200, body=request.url.encode(), ttfb_s=0.01, duration_s=0.02)


def port_of(request: SegmentRequest) -> int:
    return int(request.url.split(":")[2].split("/")[0])


def down(*ports: int) -> Callable[[SegmentRequest], FetchResult]:
    def handler(request: SegmentRequest) -> FetchResult:
        if port_of(request) in ports:
            raise ConnectFailed("refused")
        return ok(request)
    return handler


def run(coro):  # noqa: ANN001, ANN201
    return asyncio.run(coro)


def test_failover_keeps_segment_and_records() -> None:
    """Edge 1 refused: the same path and range is fetched from edge 2; one failover recorded."""
    async def main() -> None:
        t = HandlerTransport(down(1))
        pool = CdnPool(ORIGINS, t, ManualClock())
        d = await pool.fetch_segment(SEG, byte_range=(10, 20))  # type: ignore[arg-type]
        assert d.cdn == 1 and d.attempts == 2 and d.failovers == 1
        assert [r.byte_range for r in t.seen] == [(10, 20), (10, 20)]
        assert t.seen[1].url.split("?")[0] == "http://127.0.0.1:2/c/99-sig2/t1/v0/seg-1.m4s"
        assert [(r.cdn, r.failover_to, r.error is None) for r in pool.records] == [(0, 1, False), (1, None, True)]
        assert pool.failovers == 1 and "sig1" not in pool.records[0].url
    run(main())


def test_benched_cdn_skipped_then_probed_and_restored() -> None:
    """After failing, edge 1 is skipped; after its back-off a probe brings it back as preferred."""
    async def main() -> None:
        clock = ManualClock()
        t = HandlerTransport(down(1))
        pool = CdnPool(ORIGINS, t, clock)
        await pool.fetch_segment(SEG)
        t.seen.clear()
        await pool.fetch_segment(SEG)
        assert [port_of(r) for r in t.seen] == [2]
        t.handler = ok
        clock.advance(1.0)
        await pool.probe_benched()
        assert pool.health(0).is_benched(clock.now())  # back-off (2 s) not over: no probe yet
        clock.advance(1.5)
        await pool.probe_benched()
        assert not pool.health(0).is_benched(clock.now())
        assert pool.records[-1].kind == RequestKind.PROBE and pool.records[-1].cdn == 0
        assert pool.preferred == 1  # hysteresis: edge 2 keeps the preference while healthy
        t.handler = down(2)
        t.seen.clear()
        d = await pool.fetch_segment(SEG)
        assert d.cdn == 0
    run(main())


def test_failed_probe_doubles_back_off() -> None:
    """A probe that fails benches the CDN again for twice as long."""
    async def main() -> None:
        clock = ManualClock()
        pool = CdnPool(ORIGINS, HandlerTransport(down(1)), clock)
        await pool.fetch_segment(SEG)
        clock.advance(2.0)
        await pool.probe_benched()
        h = pool.health(0)
        assert h.benched_until == pytest.approx(clock.now() + 4.0)
    run(main())


def test_all_down_raises_all_cdns_failed_with_back_off() -> None:
    """Every CDN refusing: PoolFailure after max_rounds passes, backing off between rounds."""
    async def main() -> None:
        clock = ManualClock()
        t = HandlerTransport(down(1, 2, 3))
        pool = CdnPool(ORIGINS, t, clock, retry=RetryPolicy(max_rounds=3, backoff_base_s=0.5))
        with pytest.raises(PoolFailure, match=r"all 3 CDNs failed for segment .* after 9 attempts") as info:
            await pool.fetch_segment(SEG)
        assert len(info.value.attempts) == 9 and clock.slept == [0.5, 1.0]
        assert "sig1" not in str(info.value)
    run(main())


def test_pin_disables_failover_and_surfaces_error() -> None:
    """force_cdn=0: only edge 1 is tried (with retries), and its own error is raised."""
    async def main() -> None:
        t = HandlerTransport(down(1))
        pool = CdnPool(ORIGINS, t, ManualClock(), force_cdn=0, retry=RetryPolicy(max_rounds=2))
        with pytest.raises(ConnectFailed):
            await pool.fetch_segment(SEG)
        assert {port_of(r) for r in t.seen} == {1} and len(t.seen) == 2 and pool.failovers == 0
    run(main())


@pytest.mark.parametrize("error", [HttpStatusError("HTTP 404", status=404), RedirectError("more than 5 redirects")])
def test_permanent_failures_not_benched_not_retried(error: Exception) -> None:
    """A 404, or redirects that never end (the same on every retry), on one edge moves on without benching it;
    everywhere, it ends after one pass with no back-off."""
    async def main() -> None:
        def handler(request: SegmentRequest) -> FetchResult:
            raise error
        t = HandlerTransport(handler)
        clock = ManualClock()
        pool = CdnPool(ORIGINS, t, clock)
        with pytest.raises(PoolFailure) as info:
            await pool.fetch_segment(SEG)
        assert len(t.seen) == 3 and [type(e) for _, e in info.value.attempts] == [type(error)] * 3 and clock.slept == []
        assert not pool.health(0).is_benched(clock.now())
    run(main())


def test_stall_counts_as_failure() -> None:
    """A stall (no error status) benches the CDN and fails over."""
    async def main() -> None:
        def handler(request: SegmentRequest) -> FetchResult:
            if port_of(request) == 1:
                raise StallDetected("stalled", received=5000)
            return ok(request)
        pool = CdnPool(ORIGINS, HandlerTransport(handler), ManualClock())
        d = await pool.fetch_segment(SEG, bitrate_bps=1e6, duration_s=2.0)
        assert d.cdn == 1 and pool.records[0].bytes == 5000 and pool.records[0].error.startswith("StallDetected")
    run(main())


def test_fetch_adapter_returns_bytes_and_no_cmcd_on_manifests() -> None:
    """fetch(url) returns the body; manifest requests carry no CMCD, segment requests do."""
    async def main() -> None:
        t = HandlerTransport(ok)
        pool = CdnPool(ORIGINS, t, ManualClock(), session_id="s1", content_id="t1")
        body = await pool.fetch(ORIGINS[0])
        assert body == ORIGINS[0].encode() and "CMCD" not in t.seen[0].url
        await pool.fetch_segment(SEG)
        assert 'CMCD=cid%3D%22t1%22%2Csid%3D%22s1%22' in t.seen[1].url
    run(main())


def test_integrity_checks_refuse_random_and_cut_segments() -> None:
    """fMP4: boxes must tile the body (moof+mdat for media, moov for an init); TS: whole sync'd packets."""
    import os

    from player.net import CorruptSegment
    from player.net.integrity import check_fmp4, check_ts, checker_for

    def box(kind: bytes, payload: bytes) -> bytes:
        return (8 + len(payload)).to_bytes(4, "big") + kind + payload

    media = box(b"styp", b"msdh") + box(b"moof", b"\0" * 40) + box(b"mdat", os.urandom(5000))
    check_fmp4(media, init=False)
    check_fmp4(box(b"ftyp", b"iso6") + box(b"moov", b"\0" * 100), init=True)
    for bad in (os.urandom(len(media)), media[: len(media) // 2], media + b"\0\0\0", box(b"moof", b"x" * 9)):
        with pytest.raises(CorruptSegment):
            check_fmp4(bad, init=False)
    with pytest.raises(CorruptSegment):
        check_fmp4(media, init=True)
    ts = b"".join(b"\x47" + os.urandom(187) for _ in range(10))
    check_ts(ts)
    for bad in (ts[:-5], b"\x00" + ts[1:]):
        with pytest.raises(CorruptSegment):
            check_ts(bad)
    assert checker_for("http://e/v/1.m4s?x=1", None, init=False) is not None
    assert checker_for("http://e/v/1.ts", None, init=False) is check_ts
    assert checker_for("http://e/v/1.webm", "video/webm", init=False) is None

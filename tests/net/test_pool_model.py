"""The pool as the manifest loader's fetch and as the scheduler's SegmentRef source, over real edges."""
from __future__ import annotations

import asyncio
from pathlib import Path

from net_harness import TITLE, edges

from backend_stub.edge import FaultConfig
from player.manifest import ByteRange, SegmentRef
from player.manifest.loader import load_presentation
from player.net import CdnPool, HttpTransport, ManualClock, StallPolicy

MASTER = b"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=426x240\nv0/index.m3u8\n"
MEDIA = (b"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n"
         b"#EXTINF:2.0,\nseg-1.m4s\n#EXTINF:2.0,\nseg-2.m4s\n#EXT-X-ENDLIST\n")


def test_loader_through_pool_with_edge_down(tmp_path: Path) -> None:
    """load_presentation(url, pool.fetch) builds the model although edge 0 (the URL given) is down."""
    async def main() -> None:
        async with edges(tmp_path, count=2) as e, HttpTransport() as t:
            folder = e.title.root / TITLE
            (folder / "master.m3u8").write_bytes(MASTER)
            (folder / "v0" / "index.m3u8").write_bytes(MEDIA)
            e.servers[0].set_faults(FaultConfig(down=True))
            urls = [u.replace("manifest.mpd", "master.m3u8") for u in e.manifest_urls()]
            pool = CdnPool(urls, t, ManualClock())
            presentation = await load_presentation(urls[0], pool.fetch)
            segments = [s for r in presentation.renditions() for s in r.segments]
            assert len(segments) == 2 and segments[1].urls[0].endswith("/v0/seg-2.m4s")
            assert pool.failovers >= 1 and {r.kind for r in pool.records} == {"manifest"}
            delivery = await pool.fetch_ref(segments[1])
            assert delivery.body == e.title.files["v0/seg-2.m4s"] and delivery.cdn == 1
    asyncio.run(main())


def test_fetch_ref_byte_range_and_concurrency(tmp_path: Path) -> None:
    """SegmentRef byte ranges (start, length) are honoured; concurrent fetches (audio + video tasks) share the pool."""
    async def main() -> None:
        async with edges(tmp_path, count=2) as e, HttpTransport() as t:
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=StallPolicy(read_s=1.0, grace_s=0.3))
            e.servers[0].set_faults(FaultConfig(drop_after_bytes=5_000))
            refs = [SegmentRef(number=i, start_s=0.0, duration_s=2.0, urls=(e.url(0, f"v0/seg-{i}.m4s"),),
                               byte_range=ByteRange(100 * i, 20_000)) for i in range(1, 6)]
            got = await asyncio.gather(*(pool.fetch_ref(r) for r in refs))
            for i, d in enumerate(got, start=1):
                assert d.body == e.title.files[f"v0/seg-{i}.m4s"][100 * i: 100 * i + 20_000]
            assert any(r.error and r.error.startswith("TruncatedSegment") for r in pool.records)
    asyncio.run(main())


def test_transport_usable_after_stall(tmp_path: Path) -> None:
    """After aborting a stalled transfer the same transport fetches from that edge again."""
    async def main() -> None:
        async with edges(tmp_path, count=1) as e, HttpTransport() as t:
            e.servers[0].set_faults(FaultConfig(stall_after_bytes=10_000))
            pool = CdnPool(e.manifest_urls(), t, ManualClock(), stall=StallPolicy(read_s=0.5), force_cdn=0)
            url = e.url(0, "v0/seg-3.m4s")
            try:
                await pool.fetch_segment(url)
            except Exception as exc:  # noqa: BLE001 - checked below
                assert type(exc).__name__ == "StallDetected"
            else:
                raise AssertionError("the stall was not detected")
            e.servers[0].set_faults(FaultConfig())
            d = await pool.fetch_segment(url)
            assert d.body == e.title.files["v0/seg-3.m4s"]
            await pool.aclose()
    asyncio.run(main())

"""The online SegmentSource (the CDN pool over the backend's edges) passes the shared conformance checks."""
from __future__ import annotations

import asyncio

from testkit import check_segment_source

from player.backend import BackendClient
from player.manifest import load_presentation_multi
from player.net import CdnPool, HttpTransport, MonotonicClock
from player.source import CdnSource


def test_cdn_source_conforms(start_backend):
    """Init and media segments of every rendition come through the pool as the interface promises."""
    backend = start_backend(edges=2)

    async def scenario() -> None:
        client = BackendClient(backend.api_url)
        await client.login("demo@reelbox.local", "demo")
        grant = await client.open_playback("engine-clear")
        async with HttpTransport(clock=MonotonicClock()) as transport:
            pool = CdnPool(grant.manifests, transport, MonotonicClock())
            presentation = await load_presentation_multi(list(grant.manifests), pool.fetch)
            await check_segment_source(CdnSource(pool), presentation)
            await pool.aclose()
        await client.aclose()

    asyncio.run(scenario())

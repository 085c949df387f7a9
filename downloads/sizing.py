"""An honest total size before the download starts (issue 5): exact bytes per slot.

A slot with a byte range (DASH SegmentBase/``sidx``, HLS ``EXT-X-BYTERANGE``) has its length in the
manifest. Otherwise we ask the edge: a one-byte ranged GET (``Range: bytes=0-0``) through the same
CDN pool — failover and confinement included — whose ``Content-Range: bytes 0-0/<total>`` gives
the object's size (RFC 9110 §14.4). It costs one small request per slot, run concurrently, and is
exact where a bitrate × duration estimate can be off by a factor of two for VBR video.
"""
from __future__ import annotations

import asyncio
import re

from player.errors import PlayerError
from player.manifest import SegmentRef
from player.net import ByteRange, CdnPool, RequestKind

from downloads.errors import FetchFailed

_TOTAL = re.compile(r"bytes\s+\d+-\d+/(\d+)", re.I)


async def slot_size(pool: CdnPool, ref: SegmentRef) -> int:
    """The exact byte count of one slot."""
    if ref.byte_range is not None:
        return ref.byte_range.length
    try:
        delivery = await pool.fetch_segment(list(ref.urls), byte_range=ByteRange(0, 1), kind=RequestKind.PROBE,
                                            confine=True)
    except PlayerError as exc:
        raise FetchFailed(f"cannot size segment {ref.number}: {exc}") from exc
    match = _TOTAL.match(delivery.result.headers.get("content-range", ""))
    if match:
        return int(match.group(1))
    return delivery.result.bytes  # a 200 to the ranged GET: the whole body came, its length is the size


async def sizes(pool: CdnPool, refs: list[SegmentRef], *, parallel: int = 8) -> list[int]:
    """Sizes of ``refs`` in order, ``parallel`` probes at a time."""
    gate = asyncio.Semaphore(parallel)

    async def one(ref: SegmentRef) -> int:
        async with gate:
            return await slot_size(pool, ref)

    return list(await asyncio.gather(*(one(r) for r in refs)))

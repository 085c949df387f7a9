"""Where segment bytes come from: the one seam between streaming and offline playback.

DESIGN.md "One pipeline, two sources": the scheduler, feed, telemetry and resume are the same code;
only the ``SegmentSource`` differs — :class:`CdnSource` (the CDN pool) online, the sealed local
store offline (``downloads``). Every implementation passes ``testkit.check_segment_source``
(tests/player/test_source_conformance.py, tests/downloads/test_dl_source_conformance.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from player.manifest import Rendition, SegmentRef
from player.net import INIT_LIMITS, CdnPool, CmcdData, DataCallback, ProgressCallback, RequestKind
from player.net.integrity import checker_for


@dataclass(frozen=True, kw_only=True)
class Fetched:
    """A segment's bytes and how they came: CDN index (-1 for local), timings for the estimator and report."""

    body: bytes
    cdn: int
    seconds: float  # whole request, time to first byte included
    ttfb_s: float
    failovers: int = 0


class SegmentSource(Protocol):
    """Delivers the bytes of one init or media segment of a rendition."""

    async def fetch(
        self, rendition: Rendition, ref: SegmentRef, *, kind: str, is_init: bool = False,
        cmcd: CmcdData | None = None, patient: bool = False, on_progress: ProgressCallback | None = None,
    ) -> Fetched:
        """``patient``: wait for slow bytes rather than abort under the throughput floor (a last resort).

        ``on_progress(received, total)``: called as the body arrives — ``(0, total)`` when an attempt's
        response starts (a failover starts a new attempt, counted from 0 again), then after each chunk;
        ``total`` is the body's length when known. A source without a notion of progress calls it once
        with the whole body. Cancelling ``fetch`` abandons the request (the scheduler's ABR abandonment).
        """
        ...


class CdnSource:
    """Online: every request goes through the CDN pool (health, failover, stall detection, CMCD)."""

    def __init__(self, pool: CdnPool) -> None:
        self.pool = pool

    async def fetch(
        self, rendition: Rendition, ref: SegmentRef, *, kind: str, is_init: bool = False,
        cmcd: CmcdData | None = None, patient: bool = False, on_progress: ProgressCallback | None = None,
        on_data: DataCallback | None = None,
    ) -> Fetched:
        """``on_data``: the body as it arrives (live chunked delivery, which comes at the encoder's pace, so
        no throughput floor applies to it: only the read timeout)."""
        # the stall floor is derived from the media rate: without one, only the read timeout applies
        floor_known = not patient and not is_init and on_data is None
        protection = ref.protection
        whole_encrypted = protection is not None and protection.scheme == "aes-128"  # no structure to see (RFC 8216 §4.3.2.4)
        check = (checker_for(ref.urls[0], rendition.mime_type, init=is_init, duration_s=ref.duration_s)
                 if ref.urls and not whole_encrypted else None)
        delivery = await self.pool.fetch_ref(
            ref,
            kind=RequestKind.SEGMENT,
            bitrate_bps=float(rendition.bandwidth) if rendition.bandwidth and floor_known else None,
            duration_s=ref.duration_s if floor_known else None,
            cmcd=cmcd,
            on_progress=on_progress,
            on_data=on_data,
            limits=INIT_LIMITS if is_init else None,  # size, deadline and a floor: an init declares no rate
            check=check,  # a corrupt or short body fails over to another CDN
        )
        return Fetched(
            body=delivery.body,
            cdn=delivery.cdn,
            seconds=delivery.result.duration_s,
            ttfb_s=delivery.result.ttfb_s,
            failovers=delivery.failovers,
        )

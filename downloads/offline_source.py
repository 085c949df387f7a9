"""Offline playback: a ``SegmentSource`` over the sealed store (DESIGN.md "One pipeline, two sources").

The scheduler asks for a rendition's segment exactly as it does online; the refs of a downloaded
presentation carry ``reelbox-offline:<track>/<index>`` addresses (see ``offline_model``), which this
source opens from the sealed store, authenticating each one (a swapped or altered file raises
``SegmentTampered``). CENC stays in place: the feed decrypts with the offline licence's keys held in
memory (a ``KeyRing``), exactly as for streaming.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from drm_client import KeyRing
from player.manifest import Presentation, Rendition, SegmentRef
from player.net import CmcdData, ProgressCallback
from player.source import Fetched

from downloads.offline_model import parse_offline_url
from downloads.sealed_store import SealedStore


class OfflineSource:
    """Reads and unseals segments of one downloaded asset (CDN index -1: local)."""

    def __init__(self, store: SealedStore, *, clock: Callable[[], float] = time.perf_counter) -> None:
        self.store = store
        self._clock = clock

    async def fetch(
        self, rendition: Rendition, ref: SegmentRef, *, kind: str, is_init: bool = False,
        cmcd: CmcdData | None = None, patient: bool = False, on_progress: ProgressCallback | None = None,
    ) -> Fetched:
        """``on_progress`` is called once, with the whole body (a local read has no transfer to watch)."""
        track, index = parse_offline_url(ref.urls[0])
        started = self._clock()
        body = await asyncio.to_thread(self.store.read, track, index)
        elapsed = max(self._clock() - started, 1e-6)
        if on_progress is not None:
            on_progress(len(body), len(body))
        return Fetched(body=body, cdn=-1, seconds=elapsed, ttfb_s=0.0)


@dataclass(kw_only=True)
class OfflinePlayback:
    """Everything ``PlaybackSession(source=..., presentation=..., keys=...)`` needs for a download.

    ``keys`` is None for a clear title; call :meth:`close` to zero the keys. Progress made offline is
    queued for sync by ``player.sync.run_synced(session, backend=None)``.
    """

    asset_id: str
    title_id: str
    presentation: Presentation
    source: OfflineSource
    keys: KeyRing | None

    def close(self) -> None:
        if self.keys is not None:
            self.keys.clear()

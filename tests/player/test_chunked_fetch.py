"""Live low latency's retry rule (``player.scheduling.chunked``), on ManualClock with a recording sink.

A segment fed chunk by chunk cannot be taken back once a chunk is in the feed: a failure before the
first chunk is retried (the video loop moves to the lowest rung — the emergency down-switch); a failure
after it ends the segment's fetch. The chunk fetcher here is a stand-in for the live follower's (the
``ChunkFetcher`` interface), which tests/live exercises against the real channel.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from abr.algorithms import default_algorithm
from abr.session import AbrSession
from player.init_cache import InitCache
from player.errors import FetchError
from player.manifest import Rendition, SegmentRef
from player.net import CmcdData, ManualClock, PoolFailure
from player.qoe import QoeTracker
from player.scheduling.chunked import fetch_chunked
from player.scheduling.segment_feed import SegmentFeed
from player.scheduling.timeline import TrackProgress
from player.source import Fetched, SegmentSource

RUNGS = [Rendition(id="v0", bandwidth=300_000), Rendition(id="v1", bandwidth=800_000)]
REF = SegmentRef(number=5, start_s=10.0, duration_s=2.0, urls=("http://127.0.0.1/5.m4s",))


class Recorder:
    def __init__(self) -> None:
        self.added: list[tuple[str, bytes]] = []

    def add(self, kind: str, init: bytes, data: bytes, **fields: object) -> None:
        self.added.append((str(fields["rendition_id"]), data))

    def finish(self) -> None:
        pass


class Script:
    """Per call: how many chunks to deliver before failing (None: deliver two and succeed)."""

    def __init__(self, plan: list[int | None]) -> None:
        self.plan = plan
        self.calls: list[str] = []

    async def fetch(self, source: SegmentSource, rendition: Rendition, ref: SegmentRef, *, kind: str, init: bytes,
                    deliver: Callable[[bytes, float, float], None], cmcd: CmcdData | None = None) -> Fetched:
        step = self.plan[len(self.calls)]
        self.calls.append(rendition.id)
        for i in range(2 if step is None else step):
            deliver(b"chunk%d" % i, ref.start_s + 0.5 * i, ref.start_s + 0.5 * (i + 1))
        if step is not None:
            raise PoolFailure("every CDN failed", attempts=[])
        return Fetched(body=b"chunk0chunk1", cdn=0, seconds=0.01, ttfb_s=0.0)


class _Window:
    """A live channel whose DVR window keeps everything."""

    def oldest_s(self) -> float:
        return float("-inf")


def run(plan: list[int | None]) -> tuple[Script, Recorder, list[int], TrackProgress, object]:
    clock = ManualClock()
    sink = Recorder()
    abr = AbrSession(algorithm=default_algorithm(), bitrates_kbps=(300.0, 800.0), segment_duration_s=2.0,
                     buffer_capacity_s=4.0)
    feed = SegmentFeed(source=None, sink=sink, qoe=QoeTracker(target="t", opened_at=0.0),  # type: ignore[arg-type]
                       clock=clock, abr=abr, top_kbps=800.0, keys=None, init_cache=InitCache(), live=_Window())
    script = Script(plan)
    rung = [1]
    downswitches: list[int] = []
    progress = TrackProgress()

    def pick() -> tuple[Rendition, SegmentRef, CmcdData]:
        return RUNGS[rung[0]], REF, CmcdData()

    def failed(_exc: FetchError) -> None:
        downswitches.append(rung[0])
        rung[0] = 0

    async def go() -> object:
        task = asyncio.ensure_future(fetch_chunked(script, feed, None, clock, kind="video", pick=pick,  # type: ignore[arg-type]
                                                   progress=progress, buffer_s=lambda: 1.5, failed=failed))
        while not task.done():
            await asyncio.sleep(0)
            clock.advance(0.1)
        return task.exception() or task.result()

    outcome = asyncio.run(go())
    return script, sink, downswitches, progress, outcome


def test_a_failure_before_the_first_chunk_refetches_at_the_lowest_rung() -> None:
    """Nothing fed yet: the down-switch hook runs and the segment comes from rung 0, its chunks fed as they come."""
    script, sink, downswitches, progress, outcome = run([0, None])
    assert script.calls == ["v1", "v0"] and downswitches == [1]
    assert [r for r, _ in sink.added] == ["v0", "v0"] and progress.added_until_s == pytest.approx(11.0)
    assert isinstance(outcome, tuple) and outcome[0] is RUNGS[0]


def test_a_failure_after_a_chunk_is_fed_ends_the_fetch() -> None:
    """One chunk of rung 1 is in the feed: no refetch at another rung (that would overlap it), the error stands."""
    script, sink, downswitches, progress, outcome = run([1, None])
    assert isinstance(outcome, PoolFailure)
    assert script.calls == ["v1"] and downswitches == [] and sink.added == [("v1", b"chunk0")]
    assert progress.added_until_s == pytest.approx(10.5)

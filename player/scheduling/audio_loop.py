"""The audio follower: fetches the audio rendition along the video timeline, at most one segment ahead,
so that both tracks interleave in the muxed stream (the first audio and video segments load together).
A failed fetch is tried again (patiently) until ``give_up.py`` says otherwise."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from player.errors import FetchError
from player.manifest import Rendition, SegmentRef
from player.net import ObjectType
from player.net.clock import Clock
from player.scheduling.give_up import RETRY_PAUSE_S, may_give_up
from player.scheduling.ladder import end_index, index_at
from player.scheduling.segment_feed import SegmentFeed
from player.scheduling.timeline import Timeline
from player.scheduling.waits import FirstFrameGate
from player.source import Fetched, SegmentSource


class AudioLoop:
    """Follows the video from ``timeline.start_s`` to the end (or ``until_s``)."""

    def __init__(
        self, *, rendition: Rendition, timeline: Timeline, feed: SegmentFeed, source: SegmentSource,
        gate: FirstFrameGate, until_s: float | None, lead_s: float, first_frame_needs: int, clock: Clock,
        grow: Callable[[], Awaitable[Rendition | None]] | None = None,
    ) -> None:
        self.rendition, self.timeline, self.feed, self.source, self.gate = rendition, timeline, feed, source, gate
        self.clock = clock
        self.until_s = until_s
        self.lead_s = lead_s  # how far audio may run ahead of the video fed so far (one segment)
        self.first_frame_needs = first_frame_needs
        self.grow = grow  # live: waits for more segments and returns the grown rendition

    async def run(self) -> None:
        start = index_at(self.rendition, self.timeline.start_s)
        video = self.timeline.video
        index = start
        while True:
            segments = self.rendition.segments
            if index >= end_index(segments, self.until_s):
                if self.grow is None or video.done or (self.until_s is not None and segments and segments[-1].end_s >= self.until_s):
                    break
                self.rendition = await self.grow() or self.rendition
                continue
            ref = segments[index]
            if index >= start + self.first_frame_needs:
                await self.gate.hold()
            while not video.done and ref.start_s >= self.timeline.video_reached_s() + self.lead_s:
                await self.timeline.wait_video()
            buffer_at_request = self.timeline.buffer_s()
            if ref.gap:
                self.feed.skip(ref, self.timeline.audio, "EXT-X-GAP")
                index += 1
                continue
            try:
                init, fetched = await self._fetch(ref, buffer_at_request)
            except FetchError as exc:  # retried until the buffer ran dry: skipped and reported, the rest still plays
                self.feed.skip(ref, self.timeline.audio, f"{type(exc).__name__}: {exc}")
                index += 1
                continue
            await self.feed.deliver("audio", self.rendition, init, ref, fetched, index, buffer_at_request,
                                    self.timeline.audio)
            index += 1
        self.timeline.audio.done = True

    async def _fetch(self, ref: SegmentRef, buffer_at_request: float) -> tuple[bytes, Fetched]:
        failures = 0
        while True:
            try:
                init, fetched = await asyncio.gather(
                    self.feed.init(self.rendition, "audio", ref),
                    self.source.fetch(self.rendition, ref, kind="audio", patient=failures > 0,
                                      cmcd=self.feed.cmcd(self.rendition, ref, ObjectType.AUDIO, buffer_at_request)),
                )
                return init, fetched
            except FetchError:
                failures += 1
                if may_give_up(failures, self.timeline.buffer_s()):
                    raise
                await self.clock.sleep(RETRY_PAUSE_S)

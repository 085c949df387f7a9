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
from player.scheduling.chunked import ChunkFetcher, fetch_chunked
from player.scheduling.give_up import RETRY_PAUSE_S, Patience
from player.scheduling.ladder import end_index, index_at
from player.scheduling.segment_feed import SegmentFeed, missing
from player.scheduling.timeline import Timeline
from player.scheduling.waits import FirstFrameGate
from player.source import Fetched, SegmentSource


AUDIO_SLACK_S = 0.1  # audio ending this close before the video's end is the same end (frame rounding)


class AudioLoop:
    """Follows the video from ``timeline.start_s`` to the end (or ``until_s``)."""

    def __init__(
        self, *, rendition: Rendition, timeline: Timeline, feed: SegmentFeed, source: SegmentSource,
        gate: FirstFrameGate, until_s: float | None, lead_s: float, first_frame_needs: int, clock: Clock,
        grow: Callable[[], Awaitable[Rendition | None]] | None = None, chunks: ChunkFetcher | None = None,
    ) -> None:
        self.rendition, self.timeline, self.feed, self.source, self.gate = rendition, timeline, feed, source, gate
        self.clock = clock
        self.until_s = until_s
        self.lead_s = lead_s  # how far audio may run ahead of the video fed so far (one segment)
        self.first_frame_needs = first_frame_needs
        self.grow = grow  # live: waits for more segments and returns the grown rendition (None: the event ended)
        self.chunks = chunks  # live low latency: fed chunk by chunk as they arrive (``chunked``)

    async def run(self) -> None:
        index, steps = index_at(self.rendition, self.timeline.start_s), 0  # steps: segments taken
        let_go = 0  # live: segments let go before the rendition's first; the report's index adds them
        video = self.timeline.video
        while True:
            segments = self.rendition.segments
            if index >= end_index(segments, self.until_s):
                # live: the video may finish first while the audio segment covering its last seconds is not
                # listed yet (audio segments end later, on AAC frames): wait for it rather than end short
                behind = self.grow is not None and (self.timeline.audio.added_until_s or 0.0) < self.timeline.video_reached_s() - AUDIO_SLACK_S
                if self.grow is None or (video.done and not behind) or (
                        self.until_s is not None and segments and segments[-1].end_s >= self.until_s):
                    break
                grown = await self.grow()
                if grown is None:
                    break
                index, gone = self.feed.carry(index, segments, grown.segments, self.timeline.audio)
                let_go += gone
                self.rendition = grown
                continue
            ref = segments[index]
            if steps >= self.first_frame_needs:
                await self.gate.hold()
            while not video.done and ref.start_s >= self.timeline.video_reached_s() + self.lead_s:
                await self.timeline.wait_video()
            buffer_at_request = self.timeline.buffer_s()
            steps += 1
            if ref.gap:
                self.feed.skip(ref, self.timeline.audio, "EXT-X-GAP")
                index += 1
                continue
            try:
                if self.chunks is not None:
                    await self._fetch_chunks(self.chunks, ref, let_go + index, buffer_at_request)
                    index += 1
                    continue
                init, fetched = await self._fetch(ref, buffer_at_request)
            except FetchError as exc:
                if not missing(exc):
                    raise
                # every CDN says it is not there, or sends it broken: skipped and reported, the rest still plays
                index = self.feed.lost("audio", segments, index, self.timeline.audio, exc,
                                       end_index(segments, self.until_s))
                continue
            await self.feed.deliver("audio", self.rendition, init, ref, fetched, let_go + index, buffer_at_request,
                                    self.timeline.audio)
            index += 1
        self.timeline.audio.done = True

    async def _fetch_chunks(self, chunks: ChunkFetcher, ref: SegmentRef, index: int, buffer_at_request: float) -> None:
        """Live low latency: into the feed as it arrives, then into the report."""
        rendition = self.rendition
        cmcd = self.feed.cmcd(rendition, ref, ObjectType.AUDIO, buffer_at_request)
        _r, ref, _init, fetched = await fetch_chunked(
            chunks, self.feed, self.source, self.clock, kind="audio", pick=lambda: (rendition, ref, cmcd),
            progress=self.timeline.audio, buffer_s=self.timeline.buffer_s,
            paused_s=self.timeline.paused_s)
        self.feed.record("audio", rendition, ref, fetched, index, buffer_at_request)

    async def _fetch(self, ref: SegmentRef, buffer_at_request: float) -> tuple[bytes, Fetched]:
        patience = Patience(self.clock, self.timeline.buffer_s, self.timeline.paused_s)
        while True:
            try:
                init, fetched = await asyncio.gather(
                    self.feed.init(self.rendition, "audio", ref),
                    self.source.fetch(self.rendition, ref, kind="audio", patient=patience.failures > 0,
                                      cmcd=self.feed.cmcd(self.rendition, ref, ObjectType.AUDIO, buffer_at_request)),
                )
                return init, fetched
            except FetchError:
                if patience.failed():
                    raise
                await self.clock.sleep(RETRY_PAUSE_S)

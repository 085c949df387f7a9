"""The audio follower: fetches the audio rendition along the video timeline, at most one segment ahead,
so that both tracks interleave in the muxed stream (the first audio and video segments load together)."""
from __future__ import annotations

import asyncio

from player.errors import FetchError
from player.manifest import Rendition
from player.net import ObjectType
from player.scheduling.ladder import end_index, index_at
from player.scheduling.segment_feed import SegmentFeed, missing
from player.scheduling.timeline import Timeline
from player.scheduling.waits import FirstFrameGate
from player.source import SegmentSource


class AudioLoop:
    """Follows the video from ``timeline.start_s`` to the end (or ``until_s``)."""

    def __init__(
        self, *, rendition: Rendition, timeline: Timeline, feed: SegmentFeed, source: SegmentSource,
        gate: FirstFrameGate, until_s: float | None, lead_s: float, first_frame_needs: int,
    ) -> None:
        self.rendition, self.timeline, self.feed, self.source, self.gate = rendition, timeline, feed, source, gate
        self.until_s = until_s
        self.lead_s = lead_s  # how far audio may run ahead of the video fed so far (one segment)
        self.first_frame_needs = first_frame_needs

    async def run(self) -> None:
        segments = self.rendition.segments
        start = index_at(self.rendition, self.timeline.start_s)
        video = self.timeline.video
        for index in range(start, end_index(segments, self.until_s)):
            ref = segments[index]
            if index >= start + self.first_frame_needs:
                await self.gate.hold()
            while not video.done and ref.start_s >= self.timeline.video_reached_s() + self.lead_s:
                await self.timeline.wait_video()
            buffer_at_request = self.timeline.buffer_s()
            if ref.gap:
                self.feed.skip(ref, self.timeline.audio, "EXT-X-GAP")
                continue
            try:
                init, fetched = await asyncio.gather(
                    self.feed.init(self.rendition, "audio", ref),
                    self.source.fetch(self.rendition, ref, kind="audio",
                                      cmcd=self.feed.cmcd(self.rendition, ref, ObjectType.AUDIO, buffer_at_request)),
                )
            except FetchError as exc:
                if not missing(exc):
                    raise
                # every CDN says it is not there: skipped and reported, the rest still plays
                self.feed.skip(ref, self.timeline.audio, f"{type(exc).__name__}: {exc}")
                continue
            await self.feed.deliver("audio", self.rendition, init, ref, fetched, index, buffer_at_request,
                                    self.timeline.audio)
        self.timeline.audio.done = True

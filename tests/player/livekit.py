"""A live HLS channel on a ``ManualClock``, for the scheduler world of :mod:`schedkit`: the real follower and
refreshers reload its sliding playlists, the real pool fetches its segments, with no sockets and no real time.

Segment *n* of every rendition (2 s of media) is listed once it is complete, and each playlist lists the newest
``window`` of them, as a packager's sliding window does (``gaps``: EXT-X-GAP, never served). Bodies are sized as the rendition's bitrate says.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from schedkit import BASE, ORIGINS, SEGMENT_S, World, _box, world

from player.live.follower import LiveFollower
from player.live.window import live_start
from player.manifest.model import Period, Presentation, Rendition, Track
from player.net import FetchResult, ManualClock, SegmentRequest
from player.scheduling import SchedulerConfig
from player.net.errors import HttpStatusError

VIDEO_KBPS = {"v0": 300, "v1": 600, "v2": 1100}
AUDIO_KBPS = 64


@dataclass
class SlidingChannel:
    clock: ManualClock
    window: int = 5  # segments listed
    opened_at: float = 0.0  # clock time segment 0 began
    gaps: dict[int, set[str]] = field(default_factory=dict)  # segment number: the renditions listing it as EXT-X-GAP

    def __post_init__(self) -> None:
        self.opened_at = self.opened_at or self.clock.now() - self.window * SEGMENT_S  # a full window at once

    @staticmethod
    def playlist_url(rid: str) -> str:
        return f"{BASE}{rid}/live.m3u8"

    def newest(self) -> int:
        """The number of the newest complete segment."""
        return int((self.clock.now() - self.opened_at) / SEGMENT_S) - 1

    def playlist(self, rid: str) -> bytes:
        newest = self.newest()
        first = max(0, newest - self.window + 1)
        lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{SEGMENT_S:g}",
                 f"#EXT-X-MEDIA-SEQUENCE:{first}", '#EXT-X-MAP:URI="init.mp4"']
        for n in range(first, newest + 1):
            lines += ["#EXT-X-GAP"] * (rid in self.gaps.get(n, ())) + [f"#EXTINF:{SEGMENT_S:.3f},", f"{n}.m4s"]
        return ("\n".join(lines) + "\n").encode()

    async def fetch(self, url: str) -> bytes:
        """What the follower reloads playlists with."""
        rid = url.removeprefix(BASE).split("/")[0]
        return self.playlist(rid)

    def handler(self, request: SegmentRequest) -> FetchResult:
        """The CDN: inits and every segment made so far, sized by bitrate (Content-Length announced)."""
        rid, name = request.url.split("?", 1)[0].removeprefix(BASE).split("/")
        kbps = VIDEO_KBPS.get(rid, AUDIO_KBPS)
        if name == "init.mp4":
            body = _box(b"moov", 800)
        elif name.endswith(".m4s") and int(name.removesuffix(".m4s")) <= self.newest() and \
                rid not in self.gaps.get(int(name.removesuffix(".m4s")), ()):
            size = int(kbps * 1000 * SEGMENT_S / 8)
            body = _box(b"moof", 64) + _box(b"mdat", size - 64)
        else:
            raise HttpStatusError(f"HTTP 404 for {request.url}", status=404)
        return FetchResult(url=request.url, status=200, body=body, ttfb_s=0.0, duration_s=0.001,
                           headers={"content-length": str(len(body))})

    def presentation(self) -> Presentation:
        """The multivariant playlist as loaded: renditions with their media playlists, no segments yet."""
        video = Track(kind="video", renditions=tuple(
            Rendition(id=rid, bandwidth=kbps * 1000, height=144 * (i + 1), playlist_urls=(self.playlist_url(rid),))
            for i, (rid, kbps) in enumerate(VIDEO_KBPS.items())))
        audio = Track(kind="audio", language="en", renditions=(
            Rendition(id="a", bandwidth=AUDIO_KBPS * 1000, playlist_urls=(self.playlist_url("a"),)),))
        return Presentation(periods=(Period(id="p", start_s=0.0, duration_s=None, tracks=(video, audio)),),
                            is_live=True, duration_s=None, source_url=ORIGINS[0])


async def follow(channel: SlidingChannel) -> tuple[LiveFollower, float]:
    """A started follower of ``channel`` and the live start (a segment start one hold-back behind the edge)."""
    follower = LiveFollower(channel.presentation(), ORIGINS[:1], channel.fetch, channel.clock, low_latency=False)
    await follower.start()
    video = follower.presentation().video_track()
    assert video is not None
    starts = [s.start_s for s in video.renditions[0].segments]
    start_s, _wait = live_start(starts, follower.window().edge_s, follower.hold_back_s(), 0.0)
    return follower, start_s


def play(channel: SlidingChannel, play_s: float, *, pause: tuple[float, float] | None = None,
         ) -> tuple[World, LiveFollower, list[int]]:
    """``play_s`` of ``channel`` from its live start; ``pause``: (after s, for s) the viewer's pause. Returns the
    world, the follower and the most segments any rendition's index held at each rebuild of the presentation."""
    async def go() -> tuple[World, LiveFollower, list[int]]:
        follower, start_s = await follow(channel)
        held: list[int] = []
        presentation = follower.presentation

        def watched() -> Presentation:
            built = presentation()
            held.append(max(len(i.segments) for i in follower._indexes().values()))
            return built

        follower.presentation = watched  # type: ignore[method-assign]
        config = SchedulerConfig(live=follower, start_s=start_s, until_s=start_s + play_s, buffer_capacity_s=30.0)
        w = world(follower.presentation(), handler=channel.handler, config=config, clock=channel.clock)
        side = asyncio.ensure_future(_pause_at(w, *pause)) if pause else None
        try:
            await asyncio.wait_for(w.scheduler.run(), 60.0)  # real-time guard only
        finally:
            if side is not None:
                side.cancel()
            await follower.aclose()
        return w, follower, held
    return asyncio.run(go())


async def _pause_at(w: World, after_s: float, for_s: float) -> None:
    await w.clock.sleep(after_s)
    w.pause(True)
    await w.clock.sleep(for_s)
    w.pause(False)

"""Parsing a long title's MPD and joining a long-running live channel: the time before the first request.

In-process, no network. Cases:

* ``vod``: a static MPD of a 2 h title, ``SegmentTemplate`` ``$Number%05d$`` at 2 s, six video Representations
  and one audio (25 200 segments), through ``parse_dash`` — what a play of it parses before anything is fetched;
* ``live``: a dynamic ``$Number$`` MPD with no ``timeShiftBufferDepth`` whose channel has been up ``--days``
  (two video Representations and audio), through ``DashRefresher.reload`` + ``extend``: the join's listing;
* ``hls live``: a live HLS media playlist with a 2 h DVR window (3600 segments of 2 s, each with its
  EXT-X-PROGRAM-DATE-TIME), reloaded through ``HlsRefresher.reload`` as it slides by one segment: what every
  reload (each target duration, per playlist followed) costs the event loop.

Each case prints its segments, the median of ``--runs`` and the URLs of one segment (a check that the
result did not change). ``--profile`` prints cProfile's top functions of one ``vod`` parse.

Usage: ``python benchmarks/manifest_parse.py [--runs 7] [--days 2] [--profile]``
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
from datetime import datetime, timedelta, timezone

from player.live.dash_refresh import DashRefresher
from player.live.hls_refresh import HlsRefresher
from player.manifest.dash import parse_dash
from player.net.clock import MonotonicClock

URL = "https://cdn.example.com/title/manifest.mpd"


def vod_mpd() -> str:
    video = "".join(f'<Representation id="{i}" bandwidth="{300_000 * (i + 1)}" codecs="avc1.64001e" width="640" '
                    'height="360"/>' for i in range(6))
    return ('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2H" '
            'minBufferTime="PT2S"><Period id="0"><AdaptationSet contentType="video" mimeType="video/mp4">'
            '<SegmentTemplate timescale="1000" duration="2000" initialization="v$RepresentationID$/init.mp4" '
            f'media="v$RepresentationID$/seg-$Number%05d$.m4s" startNumber="1"/>{video}</AdaptationSet>'
            '<AdaptationSet contentType="audio" mimeType="audio/mp4"><SegmentTemplate timescale="1000" duration="2000" '
            'initialization="a/init.mp4" media="a/$Number$.m4s" startNumber="1"/><Representation id="a" '
            'bandwidth="64000" codecs="mp4a.40.2"/></AdaptationSet></Period></MPD>')


def live_mpd(days: float) -> str:
    start = (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    video = "".join(f'<Representation id="{i}" bandwidth="{300_000 * (i + 1)}" codecs="avc1.64001e"/>' for i in range(2))
    return (f'<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" availabilityStartTime="{start}" '
            'minimumUpdatePeriod="PT10S" minBufferTime="PT2S"><Period id="0" start="PT0S"><AdaptationSet '
            'contentType="video" mimeType="video/mp4"><SegmentTemplate timescale="1000" duration="2000" '
            f'initialization="v$RepresentationID$/init.mp4" media="v$RepresentationID$/$Number$.m4s" startNumber="1"/>'
            f'{video}</AdaptationSet><AdaptationSet contentType="audio" mimeType="audio/mp4"><SegmentTemplate '
            'timescale="1000" duration="2000" initialization="a/init.mp4" media="a/$Number$.m4s" startNumber="1"/>'
            '<Representation id="a" bandwidth="64000" codecs="mp4a.40.2"/></AdaptationSet></Period></MPD>')


def time_vod(runs: int) -> None:
    text, took = vod_mpd(), []
    for _ in range(runs):
        began = time.perf_counter()
        presentation = parse_dash(text, URL)
        took.append(time.perf_counter() - began)
    renditions = presentation.renditions()
    print(f"vod: {sum(len(r.segments) for r in renditions)} segments, median {statistics.median(took) * 1000:.0f} ms "
          f"(min {min(took) * 1000:.0f}); segment 6: {renditions[0].segments[5].urls[0]}")


def time_live(runs: int, days: float) -> None:
    text, took = live_mpd(days), []

    async def fetch(_url: str) -> bytes:
        return text.encode()

    async def join() -> DashRefresher:
        refresher = DashRefresher([URL], fetch)
        await refresher.reload()
        refresher.extend(time.time())
        return refresher

    for _ in range(runs):
        began = time.perf_counter()
        refresher = asyncio.run(join())
        took.append(time.perf_counter() - began)
    listed = sum(len(index.segments) for index in refresher.indexes.values())
    print(f"live, up {days:g} days: {listed} segments listed at the join, median {statistics.median(took) * 1000:.0f} ms")


def hls_live_playlist(first: int, listed: int = 3600) -> str:
    began = datetime(2026, 11, 29, tzinfo=timezone.utc)
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-TARGETDURATION:2", f"#EXT-X-MEDIA-SEQUENCE:{first}"]
    for n in range(first, first + listed):
        stamp = (began + timedelta(seconds=2 * n)).isoformat(timespec="milliseconds")
        lines += [f"#EXT-X-PROGRAM-DATE-TIME:{stamp}", "#EXTINF:2.000,", f"seg-{n}.ts"]
    return "\n".join(lines) + "\n"


def time_hls_reload(runs: int) -> None:
    texts = [hls_live_playlist(100_000 + i).encode() for i in range(runs + 1)]
    served = iter(texts)

    async def fetch(_url: str) -> bytes:
        return next(served)

    async def reloads() -> list[float]:
        refresher = HlsRefresher("https://cdn.example.com/live/v.m3u8", fetch, MonotonicClock(), low_latency=False)
        await refresher.reload()
        took = []
        for _ in range(runs):
            began = time.perf_counter()
            await refresher.reload()
            took.append(time.perf_counter() - began)
        return took

    took = asyncio.run(reloads())
    print(f"hls live, 2 h DVR window: 3600 segments listed, a reload's median {statistics.median(took) * 1000:.0f} ms "
          f"(min {min(took) * 1000:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    time_vod(args.runs)
    time_live(max(1, args.runs // 3), args.days)
    time_hls_reload(args.runs)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(parse_dash, vod_mpd(), URL)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(15)


if __name__ == "__main__":
    main()

"""What a long live play holds in memory: the engine's Python heap per simulated hour of a channel.

    .venv/bin/python benchmarks/live_memory.py [--hours 12] [--window 5]

A kiosk plays one channel for weeks in one session, so whatever the engine keeps per segment adds up. This plays
a sliding-window HLS channel (2 s segments, three video rungs and audio) through the real follower, refreshers,
CDN pool, loops and ABR on a ``ManualClock`` (``tests/player/livekit.py``: no sockets, no libmpv, hours in
seconds) and samples ``tracemalloc`` every simulated half hour, after ``gc.collect()``. It prints the heap, the
segments the live indexes hold, the time one rebuild of the live presentation takes, the heap's range and trend (a
least-squares slope) over the second half of the run, and the allocation sites that grew most.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "player")]

SAMPLE_EVERY_S = 1800.0


async def _play(hours: float, window: int) -> None:
    from livekit import SlidingChannel, follow
    from schedkit import world

    from player.net import ManualClock
    from player.scheduling import SchedulerConfig

    clock = ManualClock()
    channel = SlidingChannel(clock, window=window)
    follower, start_s = await follow(channel)
    config = SchedulerConfig(live=follower, start_s=start_s, until_s=start_s + hours * 3600, buffer_capacity_s=30.0)
    w = world(follower.presentation(), handler=channel.handler, config=config, clock=clock)
    rows: list[tuple[float, int, int, float]] = []
    baseline: list[tracemalloc.Snapshot] = []

    def sample() -> None:
        for kept in (w.handler.seen, w.sink.added, w.sink.keys, w.events, clock.slept):  # the harness's logs
            kept.clear()
        gc.collect()
        t0 = time.perf_counter()
        follower.presentation()
        rebuild_ms = (time.perf_counter() - t0) * 1000
        held = max(len(i.segments) for i in follower._indexes().values())
        rows.append((clock.now() - start_s, tracemalloc.get_traced_memory()[0], held, rebuild_ms))
        if len(rows) == 1:
            baseline.append(tracemalloc.take_snapshot())
        print(f"{rows[-1][0] / 3600:5.1f} h  heap {rows[-1][1] / 1e6:7.2f} MB  index {held:5d} segments  "
              f"rebuild {rebuild_ms:6.2f} ms  report rows {len(w.qoe.segments):6d}", flush=True)

    async def sampler() -> None:
        while True:
            await clock.sleep(SAMPLE_EVERY_S)
            sample()

    side = asyncio.ensure_future(sampler())
    try:
        await w.scheduler.run()
    finally:
        side.cancel()
        await follower.aclose()
    if len(rows) >= 4:
        # the rows lists fill up in the first hours (``KEEP_SEGMENTS``, ``KEEP_RECORDS``) and are let go in batches (a
        # saw-tooth of ~2 MB): the trend is the least-squares slope over the run's second half
        half = rows[len(rows) // 2:]
        trend = statistics.linear_regression([r[0] / 3600 for r in half], [r[1] / 1e6 for r in half]).slope
        print(f"heap over the second half ({half[0][0] / 3600:.1f}–{half[-1][0] / 3600:.1f} h): "
              f"{min(r[1] for r in half) / 1e6:.2f}–{max(r[1] for r in half) / 1e6:.2f} MB, "
              f"trend {trend:+.3f} MB an hour ({trend * 24:+.1f} MB a day)")
        print("grew most since the first sample:")
        for stat in tracemalloc.take_snapshot().compare_to(baseline[0], "lineno")[:6]:
            print(f"  {stat.size_diff / 1e3:9.1f} kB  {stat.traceback[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=12.0, help="simulated hours of channel (default 12)")
    parser.add_argument("--window", type=int, default=5, help="segments the playlist lists (default 5)")
    args = parser.parse_args()
    tracemalloc.start()
    started = time.perf_counter()
    asyncio.run(_play(args.hours, args.window))
    print(f"{args.hours:g} h of channel in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

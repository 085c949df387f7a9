"""A windowed play (``vo=gpu`` → ``x11`` under Xvfb) at several ``video-timing-offset`` values (issue 19).

Why: libmpv hands its video output each frame ``video-timing-offset`` (default 50 ms) before its display
time, and the output thread waits there; a new file's set-up waits on that thread (README, "Where seek
time went"). The headless output uses 0. A drawing output needs some lead to render, so this measures
what each offset costs and gains there: for each value, ``--runs`` Reelbox plays of ``startup.py``'s
clear title (passes alternate between the values), each one

* plays ``--play`` seconds from the start and counts libmpv's ``frame-drop-count`` (frames the output
  dropped), ``vo-delayed-frame-count`` (frames shown late) and ``mistimed-frame-count``;
* seeks inside the buffer (1 s ahead) and then outside it (``--buffer`` 4 s: to 15 s), each timed from
  ``session.seek`` to libmpv's ``playback-restart`` (``FirstFrame``).

A first play is run and not counted (the process's first pays its imports and the X connection), and
each value goes first in turn.

Run it under a display: ``xvfb-run -a -s "-screen 0 1280x720x24" python benchmarks/window_timing.py``.

Usage: ``python benchmarks/window_timing.py [--runs 5] [--offsets 0,0.01,0.05] [--play 6] [--vo gpu] [--data DIR]``
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import startup  # noqa: E402
from startup import CLEAR, EMAIL, PASSWORD, BackendProcess, ensure_titles, register_bench_user  # noqa: E402

from player.backend import BackendClient  # noqa: E402
from player.playback import PlaybackSession, SessionOptions  # noqa: E402

COUNTERS = ("frame-drop-count", "vo-delayed-frame-count", "mistimed-frame-count")
OUTSIDE_S = 15.0


async def _seek_ms(session: PlaybackSession, marks: dict[str, float], target_s: float) -> float:
    """``session.seek`` → libmpv's ``playback-restart`` of the target, in ms."""
    session.playhead.first_frame_position_s = None
    marks.pop("frame_at", None)
    t0 = time.monotonic()
    await session.seek(target_s)
    await startup._wait(lambda: session.first_frame_position_s is not None and "frame_at" in marks)
    return (marks["frame_at"] - t0) * 1000.0


async def one_play(client: BackendClient, vo: str, offset: float, play_s: float) -> dict[str, float]:
    """A windowed play of the clear title at ``offset``: counters over ``play_s`` seconds, then both seeks."""
    startup.MARKS = startup.MARKS or startup._Marks()
    marks = startup.MARKS.current = {}
    options = SessionOptions(buffer_capacity_s=4.0, vo=vo, mpv_options={"video_timing_offset": offset})
    session = PlaybackSession(target=CLEAR, options=options, backend=client)
    task = asyncio.create_task(session.run())
    try:
        await startup._wait(lambda: session.qoe.startup_at is not None or task.done())
        if task.done():
            await task
        output = session.output
        assert output is not None
        await asyncio.sleep(play_s)
        result = {name: float(output.property(name) or 0) for name in COUNTERS}
        result["vo"] = output.property("current-vo") or "?"  # type: ignore[assignment]
        position = session.position()
        result["inside_ms"] = await _seek_ms(session, marks, position + 1.0)
        await asyncio.sleep(0.5)
        result["outside_ms"] = await _seek_ms(session, marks, OUTSIDE_S)
        return result
    finally:
        session.stop()
        await asyncio.gather(task, return_exceptions=True)


async def bench(data: Path, runs: int, offsets: list[float], vo: str, play_s: float) -> dict[float, list[dict[str, Any]]]:
    backend = BackendProcess(data)
    results: dict[float, list[dict[str, Any]]] = {offset: [] for offset in offsets}
    try:
        register_bench_user(backend.api_url)
        client = BackendClient(backend.api_url)
        await client.login(EMAIL, PASSWORD)
        try:
            await one_play(client, vo, offsets[0], 1.0)  # warm-up, not counted: the process's first play pays imports
            for i in range(runs):
                for offset in offsets[i % len(offsets):] + offsets[:i % len(offsets)]:  # each value first in turn
                    got = await one_play(client, vo, offset, play_s)
                    results[offset].append(got)
                    print(f"  run {i + 1}/{runs} offset {offset:g}: {got}", flush=True)
        finally:
            await client.aclose()
    finally:
        backend.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--offsets", default="0,0.01,0.05", help="video-timing-offset values (s), comma-separated")
    parser.add_argument("--play", type=float, default=6.0, help="seconds played before the seeks (counters over them)")
    parser.add_argument("--vo", default="gpu", help="the video output asked for (gpu falls back to x11 under Xvfb)")
    parser.add_argument("--data", type=Path, help="startup.py's backend data dir (titles encoded if missing)")
    args = parser.parse_args(argv)
    offsets = [float(v) for v in args.offsets.split(",")]
    with tempfile.TemporaryDirectory(prefix="reelbox-window-") as tmp:
        data = args.data or Path(tmp)
        ensure_titles(data, 20)
        results = asyncio.run(bench(data, args.runs, offsets, args.vo, args.play))
    print(f"\n{'offset':>7} {'vo':>5} {'dropped':>8} {'delayed':>8} {'mistimed':>9} {'seek inside ms':>15} {'outside ms':>11}")
    for offset, plays in results.items():
        med = {k: statistics.median(p[k] for p in plays) for k in (*COUNTERS, "inside_ms", "outside_ms")}
        print(f"{offset:>7g} {plays[0]['vo']:>5} {med['frame-drop-count']:>8.1f} {med['vo-delayed-frame-count']:>8.1f} "
              f"{med['mistimed-frame-count']:>9.1f} {med['inside_ms']:>15.1f} {med['outside_ms']:>11.1f}")
    print(f"(medians over {args.runs} plays; counters over the first {args.play:g} s of each play)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

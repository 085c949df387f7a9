"""Timeshift in a live play (issue 15, the app's seek bar and Go live): where a seek back lands, and how
far from live Go live returns (real backend live channel, real libmpv headless, the engine's own API as
the app calls it).

For each format: play the channel until its DVR window holds ``--window`` seconds, then seek back by each
``--steps`` (seconds behind the current position, one after another) and Go live after each; print per
step the seconds behind live asked for and reached (2 s after the seek: playing moves both alike), the time
from the seek to its first frame, and the latency and distance behind the edge 3 s after Go live.

``--double N`` adds N rounds of two seeks 0.05 s apart (20 then 30 s back, each a restart), issued as the
app issues them: the second while the first is still restarting. Each round prints the first frame's
delay or ``STALL`` (none within 10 s: what libmpv skipping a replaced file's ``start-file`` caused).

Usage: ``python benchmarks/live_timeshift.py [--formats dash,hls] [--steps 10,20,40] [--window 50] [--double 0]``
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from backend_stub.server import Backend  # noqa: E402
from player.backend import BackendClient  # noqa: E402
from player.playback import PlaybackSession, SessionOptions  # noqa: E402
from testkit import FAST_SETTINGS  # noqa: E402

SETTLE_S = 2.0


def _live(session: PlaybackSession) -> dict[str, Any]:
    return session.stats()["live"]  # type: ignore[no-any-return]


async def _first_frame_since(session: PlaybackSession, started: float, timeout_s: float = 10.0) -> float | None:
    """Seconds from ``started`` (before the seek was asked) until its first frame (None: none within ``timeout_s``)."""
    while time.monotonic() - started < timeout_s:
        if not session.playhead.awaiting_frame:
            return time.monotonic() - started
        await asyncio.sleep(0.01)
    return None


async def double_seek(session: PlaybackSession, fmt: str, gap_s: float = 0.05) -> dict[str, Any]:
    """Two seeks ``gap_s`` apart without waiting for the first (the app submits each key press), then Go live."""
    position = session.position()
    started = time.monotonic()
    first = asyncio.ensure_future(session.seek(position - 20))
    await asyncio.sleep(gap_s)
    await asyncio.gather(first, session.seek(position - 30))
    shown = await _first_frame_since(session, started)
    await asyncio.sleep(SETTLE_S)
    moved = session.position()
    await asyncio.sleep(1.0)
    row = {"format": fmt, "double_seek_first_frame_s": shown and round(shown, 3),
           "playing_after": session.position() - moved > 0.5}
    await session.go_live()
    await _first_frame_since(session, time.monotonic())
    await asyncio.sleep(SETTLE_S)
    return row


async def run_format(api: str, fmt: str, steps: list[float], window_s: float, double: int = 0) -> list[dict[str, Any]]:
    client = BackendClient(api)
    await client.login("demo@reelbox.local", "demo")
    session = PlaybackSession(target="live", backend=client, options=SessionOptions(vo="null", ao="null", fmt=fmt))
    task = asyncio.ensure_future(session.run())
    rows: list[dict[str, Any]] = []
    try:
        await session.started.wait()
        while (lambda w: w["edge_s"] - w["start_s"])(_live(session)) < window_s:
            await asyncio.sleep(0.5)
        await asyncio.sleep(3)
        for step in steps:
            live = _live(session)
            asked = live["edge_s"] - (session.position() - step)
            started = time.monotonic()
            await session.seek(session.position() - step)
            first = await _first_frame_since(session, started)
            await asyncio.sleep(SETTLE_S)
            live = _live(session)
            reached = live["edge_s"] - session.position()  # playing moves playhead and edge alike
            started = time.monotonic()
            await session.go_live()
            back = await _first_frame_since(session, started)
            await asyncio.sleep(3)
            live = _live(session)
            rows.append({"format": fmt, "step_s": step, "asked_behind_s": round(asked, 2),
                         "reached_behind_s": round(reached, 2), "seek_first_frame_s": first and round(first, 3),
                         "go_live_first_frame_s": back and round(back, 3), "latency_after_go_live_s":
                         round(live["latency_s"], 2), "target_s": live["target_s"],
                         "behind_edge_after_go_live_s": round(live["edge_s"] - session.position(), 2)})
        for _ in range(double):
            rows.append(await double_seek(session, fmt))
    finally:
        session.stop()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="dash,hls")
    parser.add_argument("--steps", default="10,20,40")
    parser.add_argument("--window", type=float, default=50.0)
    parser.add_argument("--double", type=int, default=0, help="rounds of two seeks 0.05 s apart")
    args = parser.parse_args()
    steps = [float(s) for s in args.steps.split(",")]
    with tempfile.TemporaryDirectory() as data:
        backend = Backend(Path(data), demo_user=True, settings=FAST_SETTINGS, ingest_worker=False, live_channels=1).start()
        try:
            assert backend.live.channels[0].wait_ready(30, segments=3), "the live channel produced no segments"
            rows = [r for fmt in args.formats.split(",") for r in asyncio.run(run_format(backend.api_url, fmt, steps, args.window, args.double))]
        finally:
            backend.stop()
    print(f"{'format':6} {'step':>5} {'asked':>7} {'reached':>8} {'seek ff':>8} {'live ff':>8} {'latency':>8} {'target':>6} {'behind':>7}")
    for r in rows:
        if "double_seek_first_frame_s" in r:
            shown = r["double_seek_first_frame_s"]
            print(f"{r['format']:6} two seeks 0.05 s apart: first frame {'STALL' if shown is None else f'{shown:.3f} s'}, "
                  f"playing after: {r['playing_after']}")
            continue
        print(f"{r['format']:6} {r['step_s']:5.0f} {r['asked_behind_s']:7.2f} {r['reached_behind_s']:8.2f} "
              f"{r['seek_first_frame_s'] or float('nan'):8.3f} {r['go_live_first_frame_s'] or float('nan'):8.3f} "
              f"{r['latency_after_go_live_s']:8.2f} {r['target_s']:6.2f} {r['behind_edge_after_go_live_s']:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

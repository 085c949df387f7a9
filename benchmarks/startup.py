"""Play → first frame: Reelbox against plain libmpv on the same master URL from the same edge (issue 4).

For each case (clear / protected, DASH by default) ``--runs`` runs alternate between the two players:

* **Reelbox**: ``PlaybackSession.run()`` from construction (the demo user is already signed in, as in
  the app) to libmpv's first frame — playback grant, manifest, licence (protected; in parallel with
  the first segments), first init + media segments, remux to MPEG-TS, libmpv open and decode.
* **plain libmpv**: ``mpv.MPV(vo="null", ao="null")`` created and handed the same manifest URL (a
  grant made beforehand, not timed), timed to ``playback-restart``; on a protected DASH title it gets
  ``demuxer_lavf_o="cenc_decryption_key=<hex>"`` with the key read from the backend DB, a stand-in for
  the licence exchange it cannot do.

The goal is a ratio of medians ≤ 1.2×. Then, in the same sessions, the time to the first frame after a
seek (``session.seek`` against mpv's ``seek``), both timed to libmpv's ``playback-restart`` as
python-mpv's event thread receives it (Reelbox: the ``FirstFrame`` event's time; until 2026-11-23 04:00
the time the benchmark's 2 ms poll saw the session's playhead, ~1–3 ms later — still printed). Reelbox's startup is broken down
from the session's own timestamps (request log, QoE notes and the feed's ``add`` calls) so the printed
breakdown says where the time goes: grant, manifest, libmpv creation, init + first segments, licence,
remux, and libmpv open/decode up to the first frame.

A seek inside Reelbox's buffer is a seek in libmpv's cache; ``--buffer 4`` (with the default
``--seek-to 10``) puts the target outside it, so the seek restarts the pipeline there. Both players
seek *exactly* by default (plain libmpv: ``seek T absolute exact``, its hr-seek), as a seek bar means:
a plain ``absolute`` seek in libmpv 0.35 lands on the keyframe before the target (10.06 s for 11 s
here), which skips the GOP decode an exact seek pays and so is not the same work. Reelbox's ABR starts low and climbs,
so its seek target is often at another resolution than the frame on screen (libmpv then reconfigures its
decoder, filters and output: ~10–15 ms); plain libmpv plays one rendition throughout. ``--rendition 2``
pins Reelbox to the rung plain libmpv picks (480p) to compare the seek alone. At a segment start
use ``--mpv-seek keyframe``: in plain libmpv's timeline the keyframe sits 63 ms after the manifest's
segment start, so an exact seek to 10 s would decode the whole GOP before it, while Reelbox's seek to a
segment start shows that segment's keyframe (``MuxFeed.seek_cached``) — the keyframe seek is the same work.

The link's estimate outlives a play, as in the app (one ``ThroughputMemory`` for the benchmark's process,
not written to disk): a play with an estimate carried from an earlier one starts at the rung it sustains
(``player.scheduling.start_pick``), so its startup segment is at the seek target's size. The first play of
the process has none: the output reports it apart (``carried`` / ``not carried`` rows), and the headline
figures are over every play. ``--no-carry`` gives every play no estimate (the behaviour before issue 19's
start pick), for before/after passes.

Usage: ``python benchmarks/startup.py [--runs 20] [--fmt dash|hls] [--data DIR] [--seek-to 10] [--buffer S]
[--mpv-seek exact|keyframe] [--rendition N] [--no-carry] [--json FILE]``
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import mpv  # noqa: E402

from backend_stub.config import ApiSettings  # noqa: E402
from backend_stub.db import open_db  # noqa: E402
from backend_stub.server import Backend  # noqa: E402
from player.backend import BackendClient  # noqa: E402
from player.feed.mpv_output import MpvOutput  # noqa: E402
from player.feed.events import FirstFrame  # noqa: E402
from player.feed.mux_feed import MuxFeed  # noqa: E402
from player.playback.playhead import Playhead  # noqa: E402
from player.playback import PlaybackSession, SessionOptions  # noqa: E402
from player.playback.throughput_memory import ThroughputMemory  # noqa: E402
import player.playback.session as session_module  # noqa: E402

CLEAR, LOCKED = "startup-clear", "startup-locked"
EMAIL, PASSWORD = "bench@example.org", "pw-bench-1"  # registered by bench(): a backend has no demo account
TIMEOUT_S = 20.0


@dataclass
class Run:
    """One play: time to first frame, time to first frame after a seek, and (Reelbox) the breakdown."""

    first_frame_ms: float
    seek_ms: float | None
    seek_seen_ms: float | None = None  # Reelbox: when the session's playhead had it (the event-loop hop included)
    seek_push_ms: float | None = None  # Reelbox, a seek that restarts: its first bytes pushed to libmpv
    steps: dict[str, float] = field(default_factory=dict)
    carried: bool = False  # Reelbox: the play started with an estimate carried from an earlier play
    first_rendition: str | None = None  # Reelbox: the startup segment's rendition


def ensure_titles(data: Path, seconds: int) -> None:
    """Encode the clear and protected titles unless the data dir already has them."""
    from backend_stub.encode import make_test_title

    for title, protected in ((CLEAR, False), (LOCKED, True)):
        if not (data / "content" / title / "manifest.mpd").exists():
            print(f"encoding {title} ({seconds} s)...", flush=True)
            make_test_title(data, title, protected=protected, seconds=seconds, heights=(240, 360, 480))


def content_key_hex(data: Path, title: str) -> str:
    db = open_db(data)
    try:
        rows = list(db["content_keys"].rows_where("title_id = ?", [title]))
    finally:
        db.conn.close()
    if not rows:
        raise SystemExit(f"no content key for {title} in the backend DB")
    key = rows[0]["key"]
    return key if len(key) == 32 else bytes.fromhex(key).hex()


# -- Reelbox ------------------------------------------------------------------------------------


async def _wait(predicate: Any, timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("no first frame")
        await asyncio.sleep(0.002)


def _breakdown(session: PlaybackSession, marks: dict[str, float], first_frame: float) -> dict[str, float]:
    """Startup milestones in ms since the session opened (request log + the marks set by the listeners).

    Read top to bottom it is the critical path: grant → manifest → libmpv created → first video init +
    segment → (licence) → first audio init + segment → first bytes pushed (after remux) → first frame.
    """
    o = session.qoe.opened_at
    recs = session.pool.records if session.pool else []
    ms = lambda t: round((t - o) * 1000.0, 1)  # noqa: E731
    end = lambda r: r.at_s + (r.duration_s or 0.0)  # noqa: E731
    manifests = [r for r in recs if str(r.kind) == "manifest"]
    segments = [r for r in recs if str(r.kind) == "segment"]
    licence = [r for r in recs if str(r.kind) == "licence"]
    video = [r for r in segments if "/a_" not in r.url][:2]  # its init and first media segment
    audio = [r for r in segments if "/a_" in r.url][:2]
    steps: dict[str, float] = {}
    if manifests:
        steps["grant done (manifest request starts)"] = ms(manifests[0].at_s)
        steps["manifest(s) loaded"] = ms(max(end(r) for r in manifests))
    if "start" in marks:
        steps["libmpv built, stream opened (own thread)"] = ms(marks["start"])
    if video:
        steps["video init+seg 1: first request starts"] = ms(video[0].at_s)
        steps["video init+seg 1: done"] = ms(max(end(r) for r in video))
    if licence:
        steps["licence: request starts"] = ms(licence[0].at_s)
        steps["licence: done"] = ms(end(licence[0]))
    if audio:
        steps["audio init+seg 1: first request starts"] = ms(audio[0].at_s)
        steps["audio init+seg 1: done"] = ms(max(end(r) for r in audio))
    if "first_push" in marks:
        steps["first bytes pushed to libmpv"] = ms(marks["first_push"])
        steps["remux+decrypt CPU up to then (duration)"] = round(marks.get("remux_s", 0.0) * 1000.0, 1)
    steps["first frame (total)"] = ms(first_frame)
    return steps


class _Marks:
    """Timestamps of the current Reelbox run, taken by wrapping the feed's ``add`` (remux), libmpv's
    ``push``, the session's ``build_output`` (libmpv built and the stream opened) and the playhead's
    first frame for the whole benchmark; runs are sequential, so one set of marks at a time.

    ``frame_at``: when the current file's first frame was reported — libmpv's ``playback-restart`` as
    python-mpv's event thread received it (``FirstFrame.at``), the instant plain libmpv's run is timed
    to; the session's own view of it comes later (an event-loop hop, and this benchmark polled it every 2 ms)."""

    def __init__(self) -> None:
        self.current: dict[str, float] = {}
        add, push, open_output, first_frame = MuxFeed.add, MpvOutput.push, session_module.build_output, Playhead._first_frame
        marks = self

        def timed_add(feed: MuxFeed, *args: Any, **kwargs: Any) -> None:
            t0 = time.monotonic()
            add(feed, *args, **kwargs)
            if "first_push" not in marks.current or marks.current["first_push"] >= t0:
                marks.current["remux_s"] = marks.current.get("remux_s", 0.0) + time.monotonic() - t0

        def timed_push(output: MpvOutput, data: bytes) -> None:
            push(output, data)
            now = time.monotonic()
            marks.current.setdefault("first_push", now)
            if "seek_at" in marks.current:
                marks.current.setdefault("seek_push", now)

        def timed_open(*args: Any) -> Any:
            opened = open_output(*args)
            marks.current["start"] = time.monotonic()
            return opened

        def timed_first_frame(playhead: Playhead, event: FirstFrame) -> None:
            if event.generation == playhead.generation:
                marks.current["frame_at"] = event.at
            first_frame(playhead, event)

        Playhead._first_frame = timed_first_frame  # type: ignore[method-assign]
        MuxFeed.add = timed_add  # type: ignore[method-assign]
        MpvOutput.push = timed_push  # type: ignore[method-assign]
        session_module.build_output = timed_open  # the name the session calls


MARKS: _Marks | None = None


async def reelbox_run(client: BackendClient, title: str, fmt: str, seek_to: float | None,
                      buffer_s: float = 30.0, rendition: int | None = None,
                      memory: ThroughputMemory | None = None) -> Run:
    """One Reelbox session: open → first frame, then a seek → first frame; the session is then stopped."""
    global MARKS
    MARKS = MARKS or _Marks()
    marks = MARKS.current = {}
    options = SessionOptions(fmt=fmt, buffer_capacity_s=buffer_s, force_rendition=rendition, throughput_memory=memory)
    session = PlaybackSession(target=title, options=options, backend=client)
    task = asyncio.create_task(session.run())
    try:
        await _wait(lambda: session.qoe.startup_at is not None or task.done())
        if task.done():
            await task
        first = session.qoe.startup_at
        assert first is not None
        run = Run(first_frame_ms=(first - session.qoe.opened_at) * 1000.0, seek_ms=None,
                  steps=_breakdown(session, dict(marks), first), carried=_carried(session),
                  first_rendition=next((s.rendition for s in session.qoe.ladder_segments()), None))
        if seek_to is not None:
            await asyncio.sleep(1.0)
            session.playhead.first_frame_position_s = None
            marks.pop("frame_at", None)
            t0 = marks["seek_at"] = time.monotonic()
            await session.seek(seek_to)
            await _wait(lambda: session.first_frame_position_s is not None or task.done())
            if "frame_at" not in marks or session.first_frame_position_s is None:
                raise RuntimeError("the seek showed no first frame")
            run.seek_seen_ms = (time.monotonic() - t0) * 1000.0
            run.seek_ms = (marks["frame_at"] - t0) * 1000.0
            if "seek_push" in marks:  # a restart (a seek inside the buffer pushes nothing before its frame)
                run.seek_push_ms = (marks["seek_push"] - t0) * 1000.0
        return run
    finally:
        session.stop()
        await asyncio.gather(task, return_exceptions=True)


def _carried(session: PlaybackSession) -> bool:
    """The play's first run was given the link's estimate from an earlier play (``start_pick`` starts from it)."""
    return session.scheduler is not None and session.scheduler.config.carried is not None


# -- plain libmpv -------------------------------------------------------------------------------


def mpv_run(url: str, key_hex: str | None, seek_to: float | None, seek_mode: str = "exact",
            extra: dict[str, Any] | None = None) -> Run:
    """``mpv.MPV`` created and given ``url``: time to ``playback-restart``, then the same after a seek."""
    restarted = threading.Event()
    ended: list[str] = []
    t0 = time.monotonic()
    opts: dict[str, Any] = {"vo": "null", "ao": "null", "config": False, "ytdl": False, "load_scripts": False}
    if key_hex:
        opts["demuxer_lavf_o"] = f"cenc_decryption_key={key_hex}"
    player = mpv.MPV(**opts, **(extra or {}))

    @player.event_callback("playback-restart")
    def _on_restart(_event: Any) -> None:
        restarted.set()

    @player.event_callback("end-file")
    def _on_end(event: Any) -> None:
        ended.append("end")
        restarted.set()

    try:
        player.play(url)
        if not restarted.wait(TIMEOUT_S) or ended:
            raise RuntimeError(f"plain mpv did not start {url}")
        run = Run(first_frame_ms=(time.monotonic() - t0) * 1000.0, seek_ms=None)
        if seek_to is not None:
            time.sleep(1.0)
            restarted.clear()
            t1 = time.monotonic()
            player.seek(seek_to, "absolute", "exact" if seek_mode == "exact" else "keyframes")
            if restarted.wait(TIMEOUT_S) and not ended:
                run.seek_ms = (time.monotonic() - t1) * 1000.0
        return run
    finally:
        player.terminate()


# -- the benchmark ------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _quartiles(values: list[float]) -> list[float]:
    """25th and 75th percentiles: how far one run strays on a shared 2-core box."""
    if len(values) < 2:
        return [float("nan"), float("nan")]
    q = statistics.quantiles(values, n=4)
    return [round(q[0], 1), round(q[2], 1)]


def register_bench_user(api_url: str) -> None:
    """The benchmark's account (premium: every rung), on a backend that has no demo account."""
    signup = httpx.post(f"{api_url}/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD, "plan": "premium"})
    if signup.status_code not in (201, 409):  # 409: registered by an earlier run over the same --data
        signup.raise_for_status()


async def bench(backend: Backend, data: Path, runs: int, fmt: str, seek_to: float | None,
                buffer_s: float = 30.0, mpv_seek: str = "exact", rendition: int | None = None,
                mpv_extra: dict[str, Any] | None = None,
                carry: bool = True) -> dict[str, Any]:
    client = BackendClient(backend.api_url)
    memory = ThroughputMemory(None) if carry else None  # the process's, as in the app; never written to disk
    register_bench_user(backend.api_url)
    await client.login(EMAIL, PASSWORD)
    results: dict[str, Any] = {}
    try:
        for title, protected in ((CLEAR, False), (LOCKED, True)):
            case = f"{'protected' if protected else 'clear'} {fmt}"
            key = content_key_hex(data, title) if protected else None
            ours: list[Run] = []
            theirs: list[Run] = []
            for i in range(runs):
                ours.append(await reelbox_run(client, title, fmt, seek_to, buffer_s, rendition, memory))
                grant = await client.open_playback(title, fmt=fmt)
                try:
                    theirs.append(await asyncio.to_thread(mpv_run, grant.manifests[0], key, seek_to, mpv_seek,
                                                          mpv_extra))
                except RuntimeError as exc:  # e.g. mpv's HLS demuxer cannot decrypt SAMPLE-AES-CTR
                    print(f"  {case} run {i + 1}/{runs}: plain mpv failed: {exc}", flush=True)
                finally:
                    await client.end_playback(grant.session_id)
                print(f"  {case} run {i + 1}/{runs}: reelbox {ours[-1].first_frame_ms:.0f} ms "
                      f"(starts at {ours[-1].first_rendition}, {'carried' if ours[-1].carried else 'no'} estimate), "
                      f"mpv {theirs[-1].first_frame_ms if theirs else float('nan'):.0f} ms", flush=True)
            r_ff = _median([r.first_frame_ms for r in ours])
            m_ff = _median([r.first_frame_ms for r in theirs])
            r_seek = _median([r.seek_ms for r in ours if r.seek_ms is not None])
            m_seek = _median([r.seek_ms for r in theirs if r.seek_ms is not None])
            keys = list(dict.fromkeys(k for r in ours for k in r.steps))
            steps = {k: round(_median([r.steps[k] for r in ours if k in r.steps]), 1) for k in keys}
            results[case] = {
                "reelbox_first_frame_ms": round(r_ff, 1), "mpv_first_frame_ms": round(m_ff, 1),
                "reelbox_quartiles_ms": _quartiles([r.first_frame_ms for r in ours]),
                "mpv_quartiles_ms": _quartiles([r.first_frame_ms for r in theirs]),
                "ratio": round(r_ff / m_ff, 2) if theirs else float("nan"), "reelbox_seek_ms": round(r_seek, 1), "mpv_seek_ms": round(m_seek, 1),
                "seek_ratio": round(r_seek / m_seek, 2) if theirs else float("nan"), "breakdown_ms": steps, "runs": runs,
                "reelbox_seek_seen_ms": round(_median([r.seek_seen_ms for r in ours if r.seek_seen_ms is not None]), 1),
                "reelbox_seek_push_ms": round(_median([r.seek_push_ms for r in ours if r.seek_push_ms is not None]), 1),
                "by_estimate": {name: _split(picked, m_ff, m_seek) for name, picked in (
                    ("carried", [r for r in ours if r.carried]), ("not carried", [r for r in ours if not r.carried]))},
            }
    finally:
        await client.aclose()
    return results


def _split(runs: list[Run], mpv_first_ms: float, mpv_seek_ms: float) -> dict[str, Any]:
    """Medians and ratios (against plain libmpv's medians over every run) of some of Reelbox's plays."""
    first = _median([r.first_frame_ms for r in runs])
    seek = _median([r.seek_ms for r in runs if r.seek_ms is not None])
    return {"plays": len(runs), "first_frame_ms": round(first, 1), "ratio": round(first / mpv_first_ms, 2),
            "seek_ms": round(seek, 1), "seek_ratio": round(seek / mpv_seek_ms, 2),
            "starts_at": sorted({r.first_rendition or "?" for r in runs})}


def print_results(results: dict[str, Any]) -> None:
    print()
    print(f"{'case':<16} {'reelbox ms':>11} {'mpv ms':>8} {'ratio':>6}   {'seek: reelbox':>13} {'mpv':>6} {'ratio':>6}")
    for case, r in results.items():
        flag = "ok" if r["ratio"] <= 1.2 else "MISSES 1.2x" if r["ratio"] == r["ratio"] else "mpv cannot play it"
        print(f"{case:<16} {r['reelbox_first_frame_ms']:>11.1f} {r['mpv_first_frame_ms']:>8.1f} {r['ratio']:>6.2f}"
              f"   {r['reelbox_seek_ms']:>13.1f} {r['mpv_seek_ms']:>6.1f} {r['seek_ratio']:>6.2f}   {flag}")
    for case, r in results.items():
        for name, split in r["by_estimate"].items():
            if split["plays"]:
                print(f"{case:<16} {name + ' estimate':<20} {split['plays']:>2} plays: first frame "
                      f"{split['first_frame_ms']:.1f} ms ({split['ratio']:.2f}x), seek {split['seek_ms']:.1f} ms "
                      f"({split['seek_ratio']:.2f}x), starts at {', '.join(split['starts_at'])}")
    for case, r in results.items():
        (r25, r75), (m25, m75) = r["reelbox_quartiles_ms"], r["mpv_quartiles_ms"]
        print(f"{case:<16} quartiles: reelbox {r25:.1f}–{r75:.1f} ms, mpv {m25:.1f}–{m75:.1f} ms; "
              f"seek as the session saw it {r['reelbox_seek_seen_ms']:.1f} ms, its first push {r['reelbox_seek_push_ms']:.1f} ms")
    for case, r in results.items():
        print(f"\nReelbox startup timeline, {case} (medians over runs, ms since play):")
        for step, value in r["breakdown_ms"].items():
            print(f"  {step:<44} {value:>8.1f}")


class BackendProcess:
    """``reelbox backend`` in its own process, as a CDN would be: the edge does not share the player's GIL."""

    def __init__(self, data: Path) -> None:
        env = dict(os.environ, REELBOX_DEMO_CATALOG="0", REELBOX_HOME=str(data / "home"))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ui", "backend", "--port", "0", "--edges", "1", "--data", str(data)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("Reelbox backend: API "):
                self.api_url = line.split()[3].removesuffix("/api/v1")
                break
        else:
            raise RuntimeError("the backend process did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--fmt", choices=("dash", "hls"), default="dash")
    parser.add_argument("--data", type=Path, help="backend data dir to reuse (titles encoded if missing)")
    parser.add_argument("--seconds", type=int, default=20, help="length of the encoded test titles")
    parser.add_argument("--seek-to", type=float, default=10.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--buffer", type=float, default=30.0,
                        help="Reelbox buffer capacity (s); a small one puts the seek target outside the buffer")
    parser.add_argument("--mpv-seek", choices=("exact", "keyframe"), default="exact",
                        help="plain libmpv's seek: exact (hr-seek, as Reelbox; default) or to the keyframe (a segment start)")
    parser.add_argument("--rendition", type=int, default=None, metavar="N",
                        help="pin Reelbox's video rung (2 = the 480p plain libmpv plays): a seek then changes no resolution")
    parser.add_argument("--mpv-option", action="append", default=[], metavar="NAME=VALUE",
                        help="a libmpv option for plain libmpv (e.g. video_timing_offset=0, as Reelbox's headless output)")
    parser.add_argument("--no-carry", action="store_true",
                        help="no play carries the link's estimate from an earlier one (every play starts at the ABR's own pick)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the backend in this process (its edge then competes with the player for the GIL)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelbox-startup-") as tmp:
        data = args.data or Path(tmp)
        ensure_titles(data, args.seconds)
        if args.in_process:
            backend: Any = Backend(data, edges=1, settings=ApiSettings(argon2_time_cost=1, argon2_memory_kib=8192)).start()
        else:
            backend = BackendProcess(data)
        try:
            results = asyncio.run(bench(backend, data, args.runs, args.fmt, args.seek_to, args.buffer, args.mpv_seek,
                                          args.rendition, carry=not args.no_carry,
                                          mpv_extra=dict(o.split("=", 1) for o in args.mpv_option)))
        finally:
            backend.stop()
    print_results(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

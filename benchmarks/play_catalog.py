"""Play every demo title to the end, headless, in HLS and in DASH, and check each report (issue 4, "Must show").

The demo catalog (clear and protected titles) is built into ``--data`` unless it is already there
(``build_demo_catalog`` is idempotent), a real :class:`Backend` with two edges serves it, and each
(title, format) is played by a real :class:`PlaybackSession` (libmpv with ``vo=null ao=null``, real
decoding, real time). Playback is real time, so ``--parallel`` sessions (default 2) run at once; each
session has its own playback grant; two sessions of one title never run at once, so the edges' request
logs (taken before and after each play) give exactly the bytes the edges sent that session.

A report passes when: no errors, 0 decoder errors, played to the end (``played_s`` ≥ duration − 1 s,
or ``--until`` − 1 s), every video segment index present once, and the report's segment bytes equal
the bytes the edges logged for that session's media segments.

Usage: ``python benchmarks/play_catalog.py [--data DIR] [--until S] [--parallel 2] [--formats hls,dash] [--json FILE]``
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend_stub.config import ApiSettings  # noqa: E402
from backend_stub.db import open_db  # noqa: E402
from backend_stub.server import Backend, ProgressBar  # noqa: E402
from player.backend import BackendClient  # noqa: E402
from player.playback import PlaybackSession, SessionOptions  # noqa: E402

EMAIL, PASSWORD = "demo@reelbox.local", "demo"


@dataclass(frozen=True, kw_only=True)
class Title:
    id: str
    duration_s: float
    protected: bool


@dataclass(frozen=True, kw_only=True)
class Outcome:
    title: Title
    fmt: str
    report: dict[str, Any] | None
    edge_bytes: int
    wall_s: float
    failure: str | None

    def problems(self, until_s: float | None) -> list[str]:
        """Why this play does not pass (empty when it does)."""
        if self.report is None:
            return [self.failure or "no report"]
        r = self.report
        out = []
        if r["errors"]:
            out.append(f"errors: {r['errors']}")
        if r.get("decoder_errors"):
            out.append(f"{r['decoder_errors']} decoder errors")
        end = min(self.title.duration_s, until_s) if until_s is not None else self.title.duration_s
        if r["played_s"] < end - 1.0:
            out.append(f"played {r['played_s']:.1f} s of {end:.1f} s")
        video = sorted(s["index"] for s in r["segments"] if s["type"] == "video")
        if not video or video != list(range(video[0], video[0] + len(video))):
            out.append("video segment indices missing or repeated")
        if self.reported_bytes != self.edge_bytes:
            out.append(f"report says {self.reported_bytes} B, edges sent {self.edge_bytes} B")
        return out

    @property
    def reported_bytes(self) -> int:
        if self.report is None:
            return 0
        return sum(s["bytes"] for s in self.report["segments"] if s["type"] in ("video", "audio"))


def catalog_titles(data: Path) -> list[Title]:
    db = open_db(data)
    try:
        return [Title(id=row["id"], duration_s=float(row["duration_s"]), protected=bool(row["protected"]))
                for row in db["titles"].rows_where(order_by="id")]
    finally:
        db.conn.close()


def edge_media_bytes(backend: Backend, title: str) -> int:
    """Media-segment body bytes the edges have sent for ``title`` so far (init segments and manifests excluded).

    The edges' logs redact the signed token, so a session is told apart by its title: the runner never
    plays two sessions of one title at once and takes the difference before and after each play."""
    return sum(
        req.bytes_sent
        for edge in backend.edges
        for req in edge.requests
        if req.method == "GET" and req.status in (200, 206) and req.path.endswith(".m4s") and f"/{title}/" in req.path
    )


async def play_one(backend: Backend, title: Title, fmt: str, until_s: float | None, device_id: str) -> Outcome:
    """One headless play; ``device_id`` differs per worker (the backend replaces a device's older session)."""
    client = BackendClient(backend.api_url)
    started = time.monotonic()
    try:
        await client.login(EMAIL, PASSWORD)
        session = PlaybackSession(target=title.id, options=SessionOptions(fmt=fmt, until_s=until_s, device_id=device_id), backend=client)
        try:
            report: dict[str, Any] | None = await session.run()
            failure = None
        except Exception as exc:  # noqa: BLE001 - a benchmark reports every failure and goes on
            report, failure = None, f"{type(exc).__name__}: {exc}"
        return Outcome(title=title, fmt=fmt, report=report, edge_bytes=0, wall_s=time.monotonic() - started,
                       failure=failure)
    finally:
        await client.aclose()


async def play_all(backend: Backend, titles: list[Title], formats: list[str], until_s: float | None,
                   parallel: int) -> list[Outcome]:
    """Every (title, format), ``parallel`` at a time; never two sessions of one title at once (edge bytes)."""
    jobs = [(t, f) for f in formats for t in titles]
    outcomes: list[Outcome] = []
    busy: set[str] = set()
    lock = asyncio.Lock()

    async def worker(device_id: str) -> None:
        while True:
            async with lock:
                job = next((j for j in jobs if j[0].id not in busy), None)
                if job is None:
                    if not jobs:
                        return
                else:
                    jobs.remove(job)
                    busy.add(job[0].id)
            if job is None:
                await asyncio.sleep(0.2)
                continue
            title, fmt = job
            before = edge_media_bytes(backend, title.id)
            outcome = await play_one(backend, title, fmt, until_s, device_id)
            await asyncio.sleep(0.2)  # let the edges finish logging the last response
            sent = edge_media_bytes(backend, title.id) - before
            outcome = Outcome(title=title, fmt=fmt, report=outcome.report, edge_bytes=sent, wall_s=outcome.wall_s,
                              failure=outcome.failure)
            outcomes.append(outcome)
            mark = "ok" if not outcome.problems(until_s) else "FAIL: " + "; ".join(outcome.problems(until_s))
            print(f"  {title.id:<24} {fmt:<4} {outcome.wall_s:6.1f} s  {mark}", flush=True)
            busy.discard(title.id)

    await asyncio.gather(*(worker(f"catalog-bench-{n}") for n in range(parallel)))
    return outcomes


def print_table(outcomes: list[Outcome], until_s: float | None) -> int:
    print()
    head = (f"{'title':<24} {'fmt':<4} {'prot':<4} {'played_s':>8} {'startup':>8} {'rebuf':>5} {'avg kbps':>8} "
            f"{'sw':>3} {'dec.err':>7} {'report B':>10} {'edge B':>10}  result")
    print(head)
    print("-" * len(head))
    failed = 0
    for o in sorted(outcomes, key=lambda o: (o.title.id, o.fmt)):
        r = o.report or {}
        problems = o.problems(until_s)
        failed += bool(problems)
        print(f"{o.title.id:<24} {o.fmt:<4} {'yes' if o.title.protected else 'no':<4} "
              f"{r.get('played_s', 0):>8.1f} {r.get('startup_ms') or 0:>6.0f}ms {r.get('rebuffer_count', 0):>5} "
              f"{r.get('avg_bitrate_kbps', 0):>8.0f} {r.get('switches', 0):>3} {r.get('decoder_errors', 0):>7} "
              f"{o.reported_bytes:>10} {o.edge_bytes:>10}  {'ok' if not problems else 'FAIL: ' + '; '.join(problems)}")
    print(f"\n{len(outcomes) - failed}/{len(outcomes)} plays passed")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="backend data dir holding (or to hold) the demo catalog")
    parser.add_argument("--until", type=float, help="stop each play at this media time (seconds)")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--formats", default="hls,dash")
    parser.add_argument("--titles", help="comma-separated subset of title ids")
    parser.add_argument("--no-build", action="store_true", help="play the titles already in --data, build nothing")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelbox-catalog-") as tmp:
        data = args.data or Path(tmp)
        backend = Backend(data, demo_user=True, edges=2, build_demo=not args.no_build, settings=ApiSettings(argon2_time_cost=1, argon2_memory_kib=8192),
                          progress=ProgressBar(sys.stdout))
        backend.start()
        try:
            titles = catalog_titles(data)
            if args.titles:
                wanted = set(args.titles.split(","))
                titles = [t for t in titles if t.id in wanted]
            print(f"\nplaying {len(titles)} titles × {args.formats} ({args.parallel} at a time)", flush=True)
            outcomes = asyncio.run(play_all(backend, titles, args.formats.split(","), args.until, args.parallel))
        finally:
            backend.stop()
    failed = print_table(outcomes, args.until)
    if args.json:
        args.json.write_text(json.dumps(
            [{"title": o.title.id, "format": o.fmt, "protected": o.title.protected, "edge_bytes": o.edge_bytes,
              "problems": o.problems(args.until), "report": o.report} for o in outcomes], indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

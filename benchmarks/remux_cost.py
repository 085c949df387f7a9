"""The first push of a play or restart: init + first video and audio segments → bytes for libmpv (issue 19).

In-process, no network and no libmpv: ``startup.py``'s titles (clear and CENC-protected, 480p, the rung
plain libmpv plays and a carried start fetches first) are read from disk and handed to a new
:class:`~player.feed.remux.Remuxer` the way ``MuxFeed`` hands them over — video, then audio, then
``read()``. Cases:

* ``start``: segment 1 of each track into a fresh remuxer (a play's first push);
* ``restart``: segment 6 (10 s) into another fresh remuxer with the same inits (a seek outside the
  buffer, a live timeshift: the process has seen these inits before);
* ``next``: segment 2 of each track into the ``start`` remuxer (the steady state, for scale).

Totals are timed without instrumentation (``--reps`` after ``--warmup``). Then the same pushes run
with each step of the path wrapped, every step charged its own time only (nested calls subtract):
parse init (box walks), open demuxer (``av.open`` of init + segment), demux (reading packets; CENC
is decrypted by FFmpeg inside it), key check (the strict decode, once per KID and key in a process),
rewrite (Annex-B, ADTS), writer (opening the MPEG-TS muxer and its stream templates), mux, and
the rest (the remuxer's own bookkeeping). The key check is warm, as in ``startup.py``'s later plays;
its cold cost is printed once. ``stream`` is a digest of the bytes libmpv would get: a change that
leaves it alone changes nothing libmpv sees. ``--profile`` prints cProfile's top functions.

Usage: ``python benchmarks/remux_cost.py [--data DIR] [--reps 60] [--profile] [--json FILE]``
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from startup import CLEAR, LOCKED, content_key_hex, ensure_titles  # noqa: E402

import av  # noqa: E402

from player.feed import mux_writers, remux, segment_reader  # noqa: E402
from player.feed.remux import Remuxer  # noqa: E402

CASES = {"start": 1, "restart": 6}
SEGMENT_S = 2.0
VIDEO, AUDIO = "v480", "a_en"


class Title:
    """One title's 480p video and audio inits and segments, read once, with its content key."""

    def __init__(self, root: Path, key: bytes | None) -> None:
        self.key = key
        self.inits = {folder: (root / folder / "init.mp4").read_bytes() for folder in (VIDEO, AUDIO)}
        self.segments = {(folder, n): (root / folder / f"{n}.m4s").read_bytes()
                         for folder in (VIDEO, AUDIO) for n in (1, 2, 6)}

    def push(self, remuxer: Remuxer, n: int) -> bytes:
        """Segment ``n`` of video, then audio, as ``MuxFeed.add`` hands them over; the bytes for libmpv."""
        for kind, folder in (("video", VIDEO), ("audio", AUDIO)):
            remuxer.add_segment(kind, self.inits[folder], self.segments[folder, n], key=self.key,
                                rendition_id=folder, start_s=(n - 1) * SEGMENT_S)
        return remuxer.read()


def prepare(title: Title, case: str) -> tuple[Remuxer, int]:
    """The remuxer a push of ``case`` goes into (untimed: a session makes it before fetching) and the segment."""
    remuxer = Remuxer()
    if case == "next":
        title.push(remuxer, 1)
        return remuxer, 2
    return remuxer, CASES[case]


def run_case(title: Title, case: str) -> bytes:
    """One push of ``case``, untimed; the bytes it gives libmpv."""
    return title.push(*prepare(title, case))


class Phases:
    """Exclusive time per step: each wrapped call is charged its time minus that of wrapped calls inside it."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._stack: list[list[Any]] = []  # [phase, time spent in nested wrapped calls]

    def wrap(self, phase: str | Callable[..., str], func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            name = phase(*args, **kwargs) if callable(phase) else phase
            frame = [name, 0.0]
            self._stack.append(frame)
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                took = time.perf_counter() - t0
                self._stack.pop()
                self.spent[name] += took - frame[1]
                if self._stack:
                    self._stack[-1][1] += took
        return timed

    def top(self) -> str | None:
        return self._stack[-1][0] if self._stack else None


@contextmanager
def instrumented(phases: Phases) -> Iterator[None]:
    """Wrap each step of the path where the remux modules look it up; everything is put back after."""
    def open_phase(*args: Any, **kwargs: Any) -> str:
        writing = (args[1:2] or [kwargs.get("mode", "r")])[0] == "w"
        return "writer" if writing or phases.top() == "writer" else "open demuxer"

    targets = [
        (segment_reader, "track_protection", "parse init"), (segment_reader, "sample_formats", "parse init"),
        (segment_reader, "demux_container", "demux"), (segment_reader, "_verify_once", "key check"),
        (remux, "_rewrite_video", "rewrite"), (remux, "_rewrite_aac", "rewrite"),
        (mux_writers.TsWriter, "__init__", "writer"), (mux_writers.TsWriter, "add_track", "writer"),
        (mux_writers.TsWriter, "write", "mux"), (Remuxer, "read", "read"),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in targets]
    saved.append((av, "open", av.open))
    try:
        for owner, name, phase in targets:
            setattr(owner, name, phases.wrap(phase, getattr(owner, name)))
        av.open = phases.wrap(open_phase, av.open)
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def measure(title: Title, case: str, reps: int, warmup: int) -> dict[str, Any]:
    """Median total (ms) with quartiles, the median of each step (ms), and the stream's digest."""
    for _ in range(warmup):
        stream = run_case(title, case)
    totals = []
    for _ in range(reps):
        remuxer, n = prepare(title, case)
        t0 = time.perf_counter()
        title.push(remuxer, n)
        totals.append((time.perf_counter() - t0) * 1e3)
    steps: dict[str, list[float]] = defaultdict(list)
    for _ in range(reps):
        phases = Phases()
        remuxer, n = prepare(title, case)
        with instrumented(phases):
            t0 = time.perf_counter()
            title.push(remuxer, n)
            whole = time.perf_counter() - t0
        for name, spent in phases.spent.items():
            steps[name].append(spent * 1e3)
        steps["rest"].append((whole - sum(phases.spent.values())) * 1e3)
    q = statistics.quantiles(totals, n=4)
    return {"total_ms": statistics.median(totals), "quartiles_ms": [q[0], q[2]],
            "steps_ms": {name: statistics.median(values) for name, values in steps.items()},
            "stream": hashlib.sha256(stream).hexdigest()[:16], "stream_bytes": len(stream)}


def cold_key_check(title: Title) -> float:
    """The first protected push of a process pays the strict decode of the key check: its extra cost (ms)."""
    def once(clear_cache: bool) -> float:
        if clear_cache:
            segment_reader._verified.clear()
        remuxer, n = prepare(title, "start")
        t0 = time.perf_counter()
        title.push(remuxer, n)
        return (time.perf_counter() - t0) * 1e3
    cold = statistics.median(once(True) for _ in range(15))
    warm = statistics.median(once(False) for _ in range(15))
    return cold - warm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="backend data dir with startup.py's titles (encoded if missing)")
    parser.add_argument("--seconds", type=int, default=20, help="length of the titles if they must be encoded")
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile's top functions of the start push")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelbox-remux-") as tmp:
        data = args.data or Path(tmp)
        ensure_titles(data, args.seconds)
        titles = {"clear": Title(data / "content" / CLEAR, None),
                  "protected": Title(data / "content" / LOCKED, bytes.fromhex(content_key_hex(data, LOCKED)))}
    results: dict[str, Any] = {}
    for label, title in titles.items():
        for case in (*CASES, "next"):
            result = measure(title, case, args.reps, args.warmup)
            results[f"{label} {case}"] = result
            steps = "  ".join(f"{name} {ms:.2f}" for name, ms in sorted(result["steps_ms"].items(), key=lambda i: -i[1]))
            print(f"{label:9s} {case:7s} {result['total_ms']:6.2f} ms (q {result['quartiles_ms'][0]:.2f}–"
                  f"{result['quartiles_ms'][1]:.2f})  stream {result['stream']} ({result['stream_bytes']} B)\n"
                  f"          steps (ms, instrumented): {steps}", flush=True)
    results["protected cold key check_ms"] = cold_key_check(titles["protected"])
    print(f"protected, the process's first push: key check +{results['protected cold key check_ms']:.2f} ms")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [run_case(titles["clear"], "start") for _ in range(args.reps)])
        pstats.Stats(profile).sort_stats("tottime").print_stats(12)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

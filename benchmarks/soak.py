"""Soak: play titles in a loop headless in ONE long-lived process and watch RSS, open fds and threads.

    .venv/bin/python benchmarks/soak.py --minutes 30 [--tracemalloc] [--json FILE]

Issue 8: "plays titles in a loop headless and prints memory (RSS) and handle counts over time; after
30 minutes, growth under 10 %". The backend runs in a child process (this same script with
``--serve``) so that what is measured is the player alone: every session is the real
``reelbox play TARGET --headless`` path (``ui.play.play_target``: sign-in, playback grant, manifest
over the CDN pool, ClearKey licence for the protected title, PyAV remux, libmpv ``vo=null ao=null``
decoding in real time), alternating DASH/HLS and a clear/protected title.

Growth is measured from a baseline taken after the warm-up sessions (the first sessions load
libmpv, PyAV, codecs and fill allocator arenas once; that is not a leak) to the last sample, after
``gc.collect()``. With ``--tracemalloc`` the top Python allocation growth between baseline and end is
printed, and in every case the fds open at the end but not at the baseline are listed, so a leak can
be located rather than only detected.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TITLES = ("soak-clear", "soak-protected")
GOAL_GROWTH = 0.10


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One measurement of this process between two sessions."""

    t_s: float
    sessions: int
    rss_kib: int
    fds: int
    threads: int
    py_heap_kib: int  # tracemalloc's current size when tracing, else 0


def rss_kib() -> int:
    """Resident set size from ``/proc/self/status`` (VmRSS), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds() -> dict[int, str]:
    """This process's open descriptors and what they point at (``/proc/self/fd``)."""
    out: dict[int, str] = {}
    for entry in os.listdir("/proc/self/fd"):
        try:
            out[int(entry)] = os.readlink(f"/proc/self/fd/{entry}")
        except OSError:  # the listing's own fd, closed by now
            continue
    return out


def thread_count() -> int:
    """OS threads (``/proc/self/task``), which includes libmpv's and FFmpeg's, not only Python's."""
    return len(os.listdir("/proc/self/task"))


def sample(started: float, sessions: int) -> Sample:
    gc.collect()
    heap = tracemalloc.get_traced_memory()[0] // 1024 if tracemalloc.is_tracing() else 0
    return Sample(t_s=round(time.monotonic() - started, 1), sessions=sessions, rss_kib=rss_kib(),
                  fds=len(open_fds()), threads=thread_count(), py_heap_kib=heap)


# ---------------------------------------------------------------------------------------- backend child
def serve(data: Path) -> None:
    """``--serve DATA``: the backend for the soak; prints its API URL, stops when stdin closes."""
    from backend_stub.config import ApiSettings
    from backend_stub.server import Backend

    with Backend(data, demo_user=True, settings=ApiSettings(argon2_time_cost=1, argon2_memory_kib=8 * 1024),
                 ingest_worker=False) as backend:
        print(backend.api_url, flush=True)
        sys.stdin.read()


def build_titles(data: Path, seconds: float) -> None:
    from backend_stub.encode import make_test_title

    make_test_title(data, TITLES[0], seconds=seconds, heights=(144, 240))
    make_test_title(data, TITLES[1], seconds=seconds, heights=(144, 240), protected=True)


def start_backend(data: Path) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen([sys.executable, __file__, "--serve", str(data)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    url = child.stdout.readline().strip()
    if not url.startswith("http"):
        child.kill()
        raise SystemExit(f"error: backend did not start (got {url!r})")
    return child, url


# ---------------------------------------------------------------------------------------- player loop
def play_once(api_url: str, title: str, fmt: str) -> dict[str, Any]:
    """One ``reelbox play TITLE --headless --format FMT`` session, in this process."""
    from ui.cli import build_parser
    from ui.play import play_target

    args = build_parser().parse_args(["play", title, "--headless", "--backend", api_url, "--format", fmt])
    return asyncio.run(play_target(args))


def growth(first: int, last: int) -> float:
    return (last - first) / first if first else 0.0


def print_sample(s: Sample, base: Sample | None) -> None:
    extra = f"  rss {growth(base.rss_kib, s.rss_kib) * 100:+6.2f} % vs baseline" if base else "  (warm-up)"
    heap = f"  py-heap {s.py_heap_kib / 1024:7.1f} MiB" if s.py_heap_kib else ""
    print(f"{s.t_s:8.1f} s  sessions {s.sessions:4d}  rss {s.rss_kib / 1024:7.1f} MiB  fds {s.fds:3d}  "
          f"threads {s.threads:3d}{heap}{extra}", flush=True)


def soak(api_url: str, *, minutes: float, warmup: int, trace: bool) -> dict[str, Any]:
    started = time.monotonic()
    deadline = started + minutes * 60
    samples: list[Sample] = []
    base: Sample | None = None
    base_fds: dict[int, str] = {}
    snapshot_base = None
    failures: list[str] = []
    played_s = 0.0
    n = 0
    while time.monotonic() < deadline or n <= warmup:
        title, fmt = TITLES[n % 2], ("dash", "hls")[(n // 2) % 2]
        try:
            report = play_once(api_url, title, fmt)
            played_s += float(report.get("played_s") or 0)
            if report.get("errors"):
                failures.append(f"{title}/{fmt}: {report['errors'][:1]}")
        except Exception as exc:  # a failed session is a finding, not the end of the soak
            failures.append(f"{title}/{fmt}: {type(exc).__name__}: {exc}")
        n += 1
        s = sample(started, n)
        samples.append(s)
        if n == warmup:
            base, base_fds = s, open_fds()
            if trace:
                snapshot_base = tracemalloc.take_snapshot()
        print_sample(s, base if n > warmup else None)
    assert base is not None
    last = samples[-1]
    # growth from the baseline to the mean of the last few samples: one sample taken mid-GC of a
    # library's own cache would otherwise decide the verdict
    tail = samples[-5:] if len(samples) - warmup >= 5 else samples[-1:]
    tail_rss = sum(x.rss_kib for x in tail) // len(tail)
    result: dict[str, Any] = {
        "minutes": round((time.monotonic() - started) / 60, 2), "sessions": n, "played_s": round(played_s, 1),
        "failures": failures, "baseline": asdict(base), "last": asdict(last),
        "rss_growth": round(growth(base.rss_kib, tail_rss), 4),
        "rss_growth_last": round(growth(base.rss_kib, last.rss_kib), 4),
        "fd_growth": last.fds - base.fds, "thread_growth": last.threads - base.threads,
        "new_fds": sorted({v for k, v in open_fds().items() if base_fds.get(k) != v}),
        "samples": [asdict(x) for x in samples],
    }
    if trace and snapshot_base is not None:
        stats = tracemalloc.take_snapshot().compare_to(snapshot_base, "lineno")
        result["tracemalloc_top"] = [str(st) for st in stats[:15]]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--warmup", type=int, default=12,
                        help="sessions before the baseline sample (glibc grows a malloc arena per new "
                             "libmpv/FFmpeg thread up to 8 x cores; RSS plateaus after ~10 sessions)")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each test title")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations (slower)")
    parser.add_argument("--json", default=None, metavar="FILE")
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(Path(args.serve))
        return 0
    if args.tracemalloc:
        tracemalloc.start(12)
    with tempfile.TemporaryDirectory(prefix="reelbox-soak-") as tmp:
        os.environ["REELBOX_HOME"] = str(Path(tmp) / "home")
        data = Path(tmp) / "backend"
        t0 = time.monotonic()
        build_titles(data, args.seconds)
        print(f"built {len(TITLES)} titles of {args.seconds:g} s in {time.monotonic() - t0:.1f} s", flush=True)
        child, api_url = start_backend(data)
        try:
            result = soak(api_url, minutes=args.minutes, warmup=args.warmup, trace=args.tracemalloc)
        finally:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)
    result["threads_alive_py"] = [t.name for t in threading.enumerate()]
    print(f"\nsoak: {result['minutes']} min, {result['sessions']} sessions, {result['played_s']} s played, "
          f"{len(result['failures'])} failed")
    b, last = result["baseline"], result["last"]
    print(f"RSS {b['rss_kib'] / 1024:.1f} → {last['rss_kib'] / 1024:.1f} MiB: growth {result['rss_growth'] * 100:+.2f} % "
          f"(mean of last samples; last alone {result['rss_growth_last'] * 100:+.2f} %), goal < {GOAL_GROWTH * 100:.0f} %")
    print(f"fds {b['fds']} → {last['fds']} ({result['fd_growth']:+d}), threads {b['threads']} → {last['threads']} "
          f"({result['thread_growth']:+d})")
    if result["new_fds"]:
        print("fds open now that were not at the baseline:", *result["new_fds"], sep="\n  ")
    for line in result.get("tracemalloc_top", []):
        print("  ", line)
    for f in result["failures"][:10]:
        print("failed:", f)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    ok = result["rss_growth"] < GOAL_GROWTH and result["fd_growth"] <= 0 and result["thread_growth"] <= 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""One parameter of the default, paired per trace over every cell of the goal: what a change moved.

    .venv/bin/python benchmarks/abr_ablation.py --set up_margin=0.1 [--every N] [--processes N] [--buffers 10,25] [--select odd|even]
        [--sets puffer,oboe] [--starts K]

Runs the default (``ReelboxR2()``) and the same algorithm with ``--set`` keyword overrides over the cells of
``abr_goal.py`` (plus the live sizes on fcc + hsdpa) and prints, per cell, both means of QoE_lin,
rebuffering, switches and media seconds below the sustainable rung before first reaching it, and the
paired difference default − variant (95 % interval) of QoE_lin and QoE_log.  ``--buffers`` limits the buffer sizes; ``--select odd|even`` keeps every other trace of each
set (after ``--every``), so a change can be tuned on one half and checked on the other; ``--sets`` keeps only the
named trace sets (a quick look at the cells a change is aimed at); ``--starts K`` plays each trace from K evenly
spaced points of its loop, each a session of its own (lte's twelve logs give 12 × K), so a change is not judged
on one trace's luck; the paired intervals count each log once (the mean of its sessions), since sessions on one
link are not independent.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from abr_goal import BIG_SETS, BUFFERS, LADDERS, LIVE_BUFFERS, LTE_LADDER, SHORT, SMALL_SETS  # noqa: E402

from abr.bench import load_ladder, trace_files  # noqa: E402
from abr.metrics import SessionResult, paired_per_log  # noqa: E402
from abr.reelbox_r2 import ReelboxR2  # noqa: E402
from abr.simulator import SimConfig, simulate  # noqa: E402
from abr.traces import parse_trace, start_fractions  # noqa: E402

Task = tuple[str, float, str, float, dict[str, Any]]  # ladder file, buffer, trace file, start, overrides


def run_one(task: Task) -> SessionResult:
    ladder, buf, path, start, overrides = task
    trace = parse_trace(Path(path).read_text(), name=Path(path).name).started_at(start)
    return simulate(ReelboxR2(**overrides), trace, load_ladder(Path(ladder)), SimConfig(buffer_capacity_s=buf))


def cells(buffers: list[float]) -> list[tuple[str, str, float]]:
    """The goal's cells at ``buffers`` (sets × ladders, lte on the 4K ladder), then the live sizes."""
    out = [(s, lad, b) for b in buffers if b in BUFFERS for lad in LADDERS for s in (*BIG_SETS, *SMALL_SETS)]
    out += [("lte", LTE_LADDER, b) for b in buffers if b in BUFFERS]
    return out + [(s, LADDERS[0], b) for b in buffers if b in LIVE_BUFFERS for s in BIG_SETS]


def parse_overrides(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, _, value = item.partition("=")
        value = value.strip()
        out[key.strip()] = int(value) if value.lstrip("-").isdigit() else float(value)  # counts stay ints
    return out


def both(ours: list[SessionResult], theirs: list[SessionResult], metric: Callable[[SessionResult], float],
         fmt: str) -> str:
    """``default / variant`` means of one metric."""
    return " / ".join(format(statistics.fmean(metric(r) for r in rs), fmt) for rs in (ours, theirs))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="/work/shared")
    ap.add_argument("--set", action="append", required=True, help="NAME=VALUE, a keyword of ReelboxR2")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--select", choices=("all", "odd", "even"), default="all")
    ap.add_argument("--buffers", default="10,25,60,6,8")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--sets", default=None, help="comma-separated trace sets to keep (default: every set)")
    ap.add_argument("--starts", type=int, default=1, help="sessions per trace, from evenly spaced points of its loop")
    args = ap.parse_args()
    try:
        fractions = start_fractions(args.starts)
    except ValueError as exc:
        ap.error(str(exc))
    root = Path(args.shared) / "abr-traces"
    variant = parse_overrides(args.set)
    start = {"all": 0, "odd": 1, "even": 0}[args.select]
    step = 1 if args.select == "all" else 2
    jobs = []
    keep = set(args.sets.split(",")) if args.sets else None
    for s, lad, buf in cells([float(b) for b in args.buffers.split(",")]):
        if keep is not None and s not in keep:
            continue
        files = trace_files(root / s)[:: args.every if s in BIG_SETS else 1][start::step]
        jobs.append(((s, lad, buf), [(str(root / "ladders" / f"{lad}.json"), buf, str(f), start)
                                     for f in files for start in fractions]))
    tasks: list[Task] = [(*t, kw) for _, ts in jobs for kw in ({}, variant) for t in ts]
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        results = iter(pool.map(run_one, tasks, chunksize=8))
    print(f"default against ReelboxR2({', '.join(args.set)}); Δ = default − variant\n")
    print("| set · ladder · buffer | sessions | QoE_lin default / variant | Δ QoE_lin [95 % CI] | Δ QoE_log | "
          "rebuffer % | switches /150 | below sustainable s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (s, lad, buf), ts in jobs:
        ours, theirs = [next(results) for _ in ts], [next(results) for _ in ts]
        lin = paired_per_log(ours, theirs, attrgetter("qoe_lin"))
        log = paired_per_log(ours, theirs, attrgetter("qoe_log"))

        reb = both(ours, theirs, lambda r: r.rebuffer_ratio * 100, ".2f")
        sw = both(ours, theirs, lambda r: r.switches_per(), ".1f")
        below = both(ours, theirs, lambda r: r.startup_below_s, ".1f")
        print(f"| {s} · {SHORT[lad]} · {buf:g} s | {len(ts)} | "
              f"{statistics.fmean(r.qoe_lin for r in ours):.3f} / {statistics.fmean(r.qoe_lin for r in theirs):.3f} | "
              f"{lin.mean:+.3f} [{lin.low:+.3f}, {lin.high:+.3f}] | {log.mean:+.3f} | {reb} | {sw} | {below} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the estimate costs the default (issue 17, goal 2): its own controller, knowing the link's next seconds.

    .venv/bin/python benchmarks/abr_foresight.py [--sets fcc,hsdpa] [--ladder netflix10_4s_cbr] [--buffer 25] [--every N]
        [--windows 4,8,20,40] [--noise 0.1,0.2] [--processes N] [--shared DIR]

Runs the default and :class:`abr.foresight.Foresighted` (the default's controller planning on the trace's
true mean bandwidth over the next W seconds, for each W of ``--windows``; and on the lower of that and its
own estimate at the largest W; and at the largest W with each ``--noise`` σ, the known future multiplied by
e^N(0, σ) at each decision), and prints per variant the mean QoE_lin and QoE_log of each set, QoE_lin
pooled over the sets, its paired difference from the default's (95 % interval), rebuffering and switches
per 150.  ``--every`` thins fcc and hsdpa only, as the goal's benchmark does.

Why: goal 2 asks 1.15 pooled over fcc and hsdpa at 25 s, 94 % of the omniscient bound
(``benchmarks/abr_oracle.py``), and no rule tried in sessions 5-23 moved the default there by more than
0.03.  If the same controller reaches 1.15 when it knows the link's next seconds, what is missing is
prediction, not control; the ``min`` row says whether the estimate loses by reading too high or too low, and
the noise rows how close a prediction has to be (the mean absolute error of log(prediction / truth) is
0.8 σ; the default's own estimate is 0.23 off the next 20 s on fcc and hsdpa at 25 s, but its errors
are not independent from one decision to the next, as the noise is).
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from abr_goal import BIG_SETS  # noqa: E402

from abr.bench import load_ladder, trace_files  # noqa: E402
from abr.foresight import Foresighted  # noqa: E402
from abr.metrics import SessionResult, paired_difference  # noqa: E402
from abr.reelbox_r2 import ReelboxR2  # noqa: E402
from abr.simulator import SimConfig, simulate  # noqa: E402
from abr.traces import parse_trace  # noqa: E402

Variant = tuple[float, bool, float] | None  # (window, with_estimate, noise), or None for the default
Task = tuple[str, str, float, Variant]  # ladder file, trace file, buffer, variant


def run_one(task: Task) -> SessionResult:
    ladder, path, buffer_s, variant = task
    trace = parse_trace(Path(path).read_text(), name=Path(path).name)
    algorithm = ReelboxR2() if variant is None else Foresighted(
        trace, window_s=variant[0], with_estimate=variant[1], noise=variant[2])
    return simulate(algorithm, trace, load_ladder(Path(ladder)), SimConfig(buffer_capacity_s=buffer_s))


def label(variant: Variant) -> str:
    if variant is None:
        return "the default (its estimate)"
    window, with_estimate, noise = variant
    if with_estimate:
        return f"min(next {window:g} s, its estimate)"
    return f"the next {window:g} s known" + (f", noise σ {noise:g}" if noise else "")


def print_table(heading: str, results: dict[str, dict[str, list[SessionResult]]]) -> None:
    """One row per variant (the first is the reference of the paired difference): QoE_lin and QoE_log per set,
    QoE_lin pooled, its difference from the first row's, rebuffering and switches per 150."""
    first = next(iter(results.values()))
    reference = [r.qoe_lin for rs in first.values() for r in rs]
    print(f"| {heading} | " + " | ".join(f"{s} ({len(rs)}) QoE_lin / QoE_log" for s, rs in first.items())
          + " | pooled | Δ pooled [95 %] | rebuffer % | switches /150 |")
    print("| --- " * (len(first) + 5) + "|")
    for name, by_set in results.items():
        every = [r for rs in by_set.values() for r in rs]
        d = paired_difference([r.qoe_lin for r in every], reference)
        cells = " | ".join(f"{statistics.fmean(r.qoe_lin for r in rs):.3f} / {statistics.fmean(r.qoe_log for r in rs):.3f}"
                          for rs in by_set.values())
        print(f"| {name} | {cells} | {statistics.fmean(r.qoe_lin for r in every):.3f} | "
              f"{d.mean:+.3f} [{d.low:+.3f}, {d.high:+.3f}] | "
              f"{statistics.fmean(r.rebuffer_ratio for r in every) * 100:.2f} | "
              f"{statistics.fmean(r.switches_per() for r in every):.1f} |", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="/work/shared")
    ap.add_argument("--sets", default="fcc,hsdpa")
    ap.add_argument("--ladder", default="netflix10_4s_cbr")
    ap.add_argument("--buffer", type=float, default=25.0)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--windows", default="4,8,20,40", help="seconds of the future the variants know")
    ap.add_argument("--noise", default="", help="σ of the noise on the largest window's future, comma-separated")
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    root = Path(args.shared) / "abr-traces"
    windows = [float(w) for w in args.windows.split(",")]
    noises = [n for n in (float(text) for text in args.noise.split(",") if text) if n > 0]
    variants: list[Variant] = list(dict.fromkeys([None, *((w, False, 0.0) for w in windows), (max(windows), True, 0.0),
                                                  *((max(windows), False, n) for n in noises)]))  # each once
    sets = {s: [str(f) for f in trace_files(root / s)[::args.every if s in BIG_SETS else 1]]
            for s in args.sets.split(",")}
    ladder = str(root / "ladders" / f"{args.ladder}.json")
    tasks = [(ladder, f, args.buffer, v) for v in variants for files in sets.values() for f in files]
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        runs = iter(pool.map(run_one, tasks, chunksize=4))
    results = {v: {s: [next(runs) for _ in files] for s, files in sets.items()} for v in variants}
    print_table(f"at {args.buffer:g} s, {args.ladder}", {label(v): by_set for v, by_set in results.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

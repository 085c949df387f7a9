"""How much of the link's next 20 s its past holds, and what the default's controller makes of it (issue 17, goal 2).

    .venv/bin/pip install scikit-learn          # this benchmark's own dependency
    .venv/bin/python benchmarks/abr_predictability.py [--buffer 25] [--ladder netflix10_4s_cbr] [--every N]
        [--processes N] [--shared DIR]

1. Rows: every 4 s of each fcc and hsdpa trace while 20 s of it remain, the logarithms of the trace's exact
   mean over its last 1 to 64 s (:func:`abr.foresight.past_log_means`, clipped at the start) and of its mean
   over the next 20 s.  A gradient-boosted model (absolute error) is fitted on the even-numbered traces of
   each set.  Printed: the mean absolute error of log(prediction / truth) on the odd-numbered traces, for
   the model and for each window's mean alone, and on Puffer with the same model.
2. The default, :class:`abr.foresight.PastPredicted` planning on that model, and
   :class:`abr.foresight.Foresighted` knowing the next 20 s play the odd-numbered traces (``--every``
   thins them) at ``--buffer``; the table is ``abr_foresight.py``'s.

Why: session 23 found that the default's controller, knowing the link's next 20 s, pools at 1.186 at 25 s,
that a prediction must be within about 0.12 of that future for 1.15, and that every estimate from the
player's own transfers was 0.22-0.25 off.  This asks whether any estimate from history could be close
enough.  The past of every second is more than a player sees (nothing of the link while it waits for
room), and gradient boosting is a strong learner on it, so the figures bound what a better estimate could
give this controller, as far as such a model is the best predictor.

scikit-learn is not a dependency of Reelbox: the ABR code is stdlib only, and nothing else needs it.
OpenMP is held to one thread before it loads: its thread pool does not survive the fork of the worker
processes (they hang, idle).
"""
from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from abr_foresight import print_table  # noqa: E402
from abr_goal import BIG_SETS  # noqa: E402

from abr.bench import load_ladder, trace_files  # noqa: E402
from abr.foresight import FLOOR_KBPS, LAST_16_S, PAST_WINDOWS_S, Foresighted, PastPredicted, past_log_means  # noqa: E402
from abr.metrics import SessionResult  # noqa: E402
from abr.reelbox_r2 import ReelboxR2  # noqa: E402
from abr.simulator import SimConfig, simulate  # noqa: E402
from abr.traces import Trace, parse_trace  # noqa: E402

FUTURE_S = 20.0
STEP_S = 4.0
KINDS = ("the default (its estimate)", "planning on the model, from the exact past", "the next 20 s known")
MODEL: Any = None  # the fitted model, set before the workers fork


def rows(trace: Trace) -> tuple[list[list[float]], list[float]]:
    """(past log means, ln of the next 20 s's mean) every ``STEP_S`` while 20 s of the trace remain."""
    features, targets = [], []
    now = STEP_S
    while now + FUTURE_S <= trace.duration_s:
        features.append(past_log_means(trace, now))
        targets.append(math.log(max(trace.window_mean_kbps(now, FUTURE_S), FLOOR_KBPS)))
        now += STEP_S
    return features, targets


def dataset(paths: list[Path]) -> tuple[list[list[float]], list[float]]:
    features, targets = [], []
    for path in paths:
        x, y = rows(parse_trace(path.read_text(), name=path.name))
        features += x
        targets += y
    return features, targets


def mae(predicted: Any, truth: list[float]) -> float:
    return statistics.fmean(abs(p - t) for p, t in zip(predicted, truth))


def predict_log_kbps(logs: list[float]) -> float:
    return float(MODEL.predict([logs])[0])


def run_one(task: tuple[str, str, float, int]) -> SessionResult:
    ladder, path, buffer_s, kind = task
    trace = parse_trace(Path(path).read_text(), name=Path(path).name)
    algorithm = (ReelboxR2(), PastPredicted(trace, predict_log_kbps), Foresighted(trace, window_s=FUTURE_S))[kind]
    return simulate(algorithm, trace, load_ladder(Path(ladder)), SimConfig(buffer_capacity_s=buffer_s))


def main() -> int:
    global MODEL
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="/work/shared")
    ap.add_argument("--ladder", default="netflix10_4s_cbr")
    ap.add_argument("--buffer", type=float, default=25.0)
    ap.add_argument("--every", type=int, default=1, help="play every Nth of the held-out traces")
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        from sklearn.ensemble import HistGradientBoostingRegressor
    except ImportError:
        print("this benchmark needs scikit-learn: .venv/bin/pip install scikit-learn", file=sys.stderr)
        return 2
    root = Path(args.shared) / "abr-traces"
    files = {s: trace_files(root / s) for s in BIG_SETS}
    train_x, train_y = dataset([f for fs in files.values() for f in fs[0::2]])
    held_x, held_y = dataset([f for fs in files.values() for f in fs[1::2]])
    MODEL = HistGradientBoostingRegressor(loss="absolute_error", max_iter=400, learning_rate=0.05,
                                          random_state=0).fit(train_x, train_y)
    print(f"mean absolute error of ln(prediction / the next {FUTURE_S:g} s's mean), {' + '.join(BIG_SETS)}: "
          f"{len(train_y)} rows fitted, {len(held_y)} held out")
    for i, window in enumerate(PAST_WINDOWS_S):
        print(f"  the exact mean of the last {window:>2g} s: {mae((x[i] for x in held_x), held_y):.3f}")
    print(f"  the model on all of them: {mae(MODEL.predict(held_x), held_y):.3f}")
    puffer_x, puffer_y = dataset(trace_files(root / "puffer"))
    print(f"  Puffer ({len(puffer_y)} rows), the same model: {mae(MODEL.predict(puffer_x), puffer_y):.3f}; "
          f"the last 16 s: {mae((x[LAST_16_S] for x in puffer_x), puffer_y):.3f}", flush=True)

    ladder = str(root / "ladders" / f"{args.ladder}.json")
    played = {s: [str(f) for f in fs[1::2][::args.every]] for s, fs in files.items()}
    tasks = [(ladder, f, args.buffer, kind) for kind in range(len(KINDS)) for fs in played.values() for f in fs]
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        runs = iter(pool.map(run_one, tasks, chunksize=2))
    results = {name: {s: [next(runs) for _ in fs] for s, fs in played.items()} for name in KINDS}
    print_table(f"held-out traces, {args.buffer:g} s, {args.ladder}", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

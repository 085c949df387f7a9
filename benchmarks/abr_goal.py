"""The ABR goal of issue 17, measured: every cell (trace set × buffer × ladder) and each goal's verdict.

    .venv/bin/python benchmarks/abr_goal.py [--shared DIR] [--every N] [--json FILE] [--cache DIR] [--baselines-only]
        [--processes N] [--buffers 15,20,30,40] [--sets lte] [--lte-starts K]

Cells: fcc, hsdpa, puffer and oboe on ``netflix10_4s_cbr`` and ``sabre_bbb_3s``, lte on the 4K ladder
``sabre_bbb4k_3s``; buffers 10, 25 and 60 s (80 ms latency for the Pensieve-text sets, the logs' own
for lte).  Baselines: DYNAMIC, BOLA-E and the faithful RobustMPC.  Then the live-sized buffers (6 and
8 s) on fcc + hsdpa with netflix10, and steady links for the startup goal.  ``--every N`` keeps every
N-th trace of fcc and hsdpa (290 and 310 traces; puffer, oboe and lte always run whole): the goal is
judged on ``--every 1``, the default.  On one worker (``--processes 1``) at load 4–9 the default's
share took 25 min, and seven of the baselines' fcc/hsdpa cells 40 min.
``--cache DIR`` keeps the baselines' sessions per cell on disk, keyed by a hash of the code they run
(everything in ``abr/`` but our own algorithm), so rerunning after a change to the default costs only
the default's share (about a third); ``--baselines-only`` fills that cache and stops.  ``--buffers``
judges the per-cell goals and startup (goal 6) at other buffer sizes instead (the issue asks to win at
every buffer, the goal samples three): goal 2 is judged only if 25 s is among them, and the live-sized rows
are left out.  ``--sets`` judges only the named trace sets (goal 2 needs both fcc and hsdpa; the
live-sized rows come with whichever of those two is named).  ``--lte-starts K`` enters each of lte's twelve logs at K evenly
spaced points of its loop (``Trace.started_at``), every algorithm alike, so that a cell of twelve logs is
not judged on where each log happens to begin; each start is a session of its own in the means, and the
paired intervals count each log once (the mean of its K sessions), since sessions on one link are not
independent.

Goals (each printed with its verdict):
1. In every cell the default's mean QoE_lin ≥ the best baseline's, paired per trace, 95 % interval
   not below zero.
2. Pooled fcc + hsdpa, netflix10, 25 s: mean QoE_lin ≥ 1.15.
3. In every cell the rebuffer ratio ≤ DYNAMIC's.
4. In every cell switches per 150 segments ≤ RobustMPC's.
5. In every cell the mean log-utility QoE ≥ the best baseline's (by log-utility).
6. On steady links (0.7–8 Mbit/s, every buffer and ladder) ≤ 4 s of media below the sustainable rung.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import statistics
import sys
import time
from operator import attrgetter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abr import DEFAULT_ALGORITHM  # noqa: E402
from abr.algorithms import by_name, canonical  # noqa: E402
from abr.bench import load_ladder, run_bench  # noqa: E402
from abr.metrics import SessionResult, paired_per_log, summarize  # noqa: E402
from abr.simulator import SimConfig, simulate  # noqa: E402
from abr.traces import MAX_STARTS, Period, Trace, log_name  # noqa: E402

BASELINES = ("dynamic", "bola-e", "robust-mpc")
CANDIDATE = DEFAULT_ALGORITHM  # the algorithm judged (--algorithm; the default unless told)
ALGOS = (CANDIDATE, *BASELINES)
BUFFERS = (10.0, 25.0, 60.0)
LIVE_BUFFERS = (6.0, 8.0)
GOAL_BUFFER_S = 25.0  # goal 2's buffer
LADDERS = ("netflix10_4s_cbr", "sabre_bbb_3s")
BIG_SETS = ("fcc", "hsdpa")
SMALL_SETS = ("puffer", "oboe")
LTE_LADDER = "sabre_bbb4k_3s"
ALL_SETS = (*BIG_SETS, *SMALL_SETS, "lte")
SHORT = {"netflix10_4s_cbr": "netflix10", "sabre_bbb_3s": "bbb", LTE_LADDER: "bbb4k"}
STEADY_KBPS = (700.0, 1000.0, 2000.0, 3000.0, 5000.0, 8000.0)

Cell = dict[str, list[SessionResult]]  # algorithm -> sessions (trace order)
ABR_DIR = Path(__file__).resolve().parent.parent / "abr"
OURS = {"algorithms.py", "__init__.py", "foresight.py", "oracle.py"}  # and every reelbox*.py


def baseline_code_hash() -> str:
    """What the baselines' results depend on: every module under ``abr/`` but our own algorithms and diagnostics."""
    h = hashlib.sha256()
    for path in sorted(ABR_DIR.rglob("*.py")):
        if path.parent != ABR_DIR or not (path.name in OURS or path.name.startswith("reelbox")):
            h.update(path.relative_to(ABR_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


class BaselineCache:
    """Baseline sessions per (set, ladder, buffer, every, starts) on disk; a no-op without a folder."""

    def __init__(self, folder: str | None) -> None:
        self.folder = Path(folder) if folder else None
        self.code = baseline_code_hash()

    def _path(self, s: str, lad: str, buf: float, every: int, starts: int) -> Path:
        assert self.folder is not None
        entered = f"-x{starts}" if starts > 1 else ""
        return self.folder / f"{self.code}-{s}-{lad}-{buf:g}-{every}{entered}.pickle"

    def load(self, s: str, lad: str, buf: float, every: int, starts: int = 1) -> Cell | None:
        """The cell as run with ``every``, or thinned from the whole set's (the same traces, sorted; one start
        per trace, since thinning picks sessions, not traces)."""
        if self.folder is None:
            return None
        for k in (every, 1) if starts == 1 else (every,):
            if self._path(s, lad, buf, k, starts).is_file():
                cell: Cell = pickle.loads(self._path(s, lad, buf, k, starts).read_bytes())
                return {b: runs[::every // k] for b, runs in cell.items()}
        return None

    def save(self, s: str, lad: str, buf: float, every: int, cell: Cell, starts: int = 1) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._path(s, lad, buf, every, starts).write_bytes(pickle.dumps({b: cell[b] for b in BASELINES}))


def run_cells(root: Path, every: int, buffers: tuple[float, ...], ladders: tuple[str, ...], with_lte: bool,
              big: tuple[str, ...] = BIG_SETS, small: tuple[str, ...] = SMALL_SETS,
              cache: BaselineCache = BaselineCache(None), algos: tuple[str, ...] | None = None,
              processes: int | None = None, lte_starts: int = 1) -> dict[tuple[str, str, float], Cell]:
    """``every`` thins only the two big sets; the small ones always run whole.  lte's logs are each entered
    at ``lte_starts`` points of their loop.  Baselines found in ``cache`` are not rerun."""
    cells: dict[tuple[str, str, float], Cell] = {}
    jobs = [(lad, names, k, 1) for lad in ladders for names, k in ((big, every), (small, 1)) if names]
    if with_lte:
        jobs.append((LTE_LADDER, ("lte",), 1, lte_starts))
    for buf in buffers:
        for lad, names, k, starts in jobs:
            t0 = time.monotonic()
            cached = {s: cache.load(s, lad, buf, k, starts) for s in names}
            todo = [a for a in (algos or ALGOS) if a not in BASELINES or any(c is None for c in cached.values())]
            res = run_bench([str(root / s) for s in names], todo, root / "ladders" / f"{lad}.json",
                            config=SimConfig(buffer_capacity_s=buf), every=k, processes=processes,
                            starts=starts) if todo else None
            for s in names:
                cell = {**(cached[s] or {}), **(res.sessions[s] if res else {})}
                if cached[s] is None and all(b in cell for b in BASELINES):
                    cache.save(s, lad, buf, k, cell, starts)
                cells[(s, lad, buf)] = cell
            print(f"  ran {', '.join(todo) or 'nothing'} on {lad} at {buf:g} s over {', '.join(names)} in "
                  f"{time.monotonic() - t0:.0f} s", file=sys.stderr)
    return cells


def best_baseline(cell: Cell, metric: str) -> str:
    return max(BASELINES, key=lambda b: statistics.fmean(getattr(r, metric) for r in cell[b]))


def print_cell(key: tuple[str, str, float], cell: Cell) -> dict[str, object]:
    """One table row per algorithm, then the paired verdict rows; returns the cell's verdicts."""
    s, lad, buf = key
    ours = cell[CANDIDATE]
    logs = len({log_name(r.trace) for r in ours})
    entered = f" × {len(ours) // logs} starts" if len(ours) > logs else ""
    print(f"\n#### {s} · {lad} · {buf:g} s ({logs} traces{entered})\n")
    print("| algorithm | QoE_lin | QoE_log | rebuffer % | switches /150 | below sustainable s | QoE_lin first 10 s | abandons |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    sm = {a: summarize(cell[a]) for a in ALGOS}
    for a in ALGOS:
        m = sm[a]
        print(f"| {a} | {m.qoe_lin:.3f} | {m.qoe_log:.3f} | {m.rebuffer_ratio * 100:.2f} | {m.switches_per_150:.1f} | "
              f"{m.startup_below_s:.1f} | {m.qoe_first_10s:.3f} | {m.abandons:.1f} |")
    lin_best, log_best = best_baseline(cell, "qoe_lin"), best_baseline(cell, "qoe_log")
    d_lin = paired_per_log(ours, cell[lin_best], attrgetter("qoe_lin"))
    d_log = paired_per_log(ours, cell[log_best], attrgetter("qoe_log"))
    print(f"\nQoE_lin vs best ({lin_best}): {d_lin.mean:+.3f} [{d_lin.low:+.3f}, {d_lin.high:+.3f}]; "
          f"QoE_log vs best ({log_best}): {d_log.mean:+.3f} [{d_log.low:+.3f}, {d_log.high:+.3f}]")
    return {
        "lin": d_lin.low >= 0, "lin_mean": d_lin.mean, "log": d_log.mean >= 0,
        "rebuffer": sm[CANDIDATE].rebuffer_ratio <= sm["dynamic"].rebuffer_ratio,
        "switches": sm[CANDIDATE].switches_per_150 <= sm["robust-mpc"].switches_per_150,
    }


def steady_startup(root: Path, buffers: tuple[float, ...]) -> float:
    """The worst media seconds below the sustainable rung over steady links, buffers and ladders."""
    worst = 0.0
    print("\n### startup on steady links (media s below the sustainable rung, default)\n")
    print("| ladder | buffer s | " + " | ".join(f"{k / 1000:g} Mbit/s" for k in STEADY_KBPS) + " |")
    print("| --- | --- |" + " --- |" * len(STEADY_KBPS))
    for lad in LADDERS:
        ladder = load_ladder(root / "ladders" / f"{lad}.json")
        for buf in buffers:
            row = []
            for kbps in STEADY_KBPS:
                trace = Trace(name="steady", periods=(Period(duration_s=1000.0, kbps=kbps, latency_s=0.08),))
                r = simulate(by_name(CANDIDATE), trace, ladder, SimConfig(buffer_capacity_s=buf))
                worst = max(worst, r.startup_below_s)
                row.append(f"{r.startup_below_s:.0f}")
            print(f"| {lad} | {buf:g} | " + " | ".join(row) + " |")
    return worst


def buffer_list(text: str) -> tuple[float, ...]:
    """``--buffers``: positive buffer sizes in seconds, comma-separated."""
    try:
        sizes = tuple(float(b) for b in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of seconds: {text!r}") from None
    if not all(s > 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"buffer sizes must be positive: {text!r}")
    return sizes


def set_list(text: str) -> tuple[str, ...]:
    """``--sets``: some of the goal's trace sets, comma-separated."""
    sets = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = sorted(set(sets) - set(ALL_SETS))
    if not sets or unknown:
        raise argparse.ArgumentTypeError(f"not among {', '.join(ALL_SETS)}: {', '.join(unknown) or text!r}")
    return sets


def verdict(text: str, ok: bool) -> tuple[str, bool]:
    print(f"- [{'x' if ok else ' '}] {text}")
    return text, ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="/work/shared")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--json", default=None, help="write every cell's per-trace QoE_lin and QoE_log here")
    ap.add_argument("--algorithm", default=DEFAULT_ALGORITHM, help="the algorithm judged (default: the default)")
    ap.add_argument("--cache", default=None, help="keep the baselines' sessions in this folder")
    ap.add_argument("--baselines-only", action="store_true", help="fill --cache with the baselines and stop")
    ap.add_argument("--processes", type=int, default=None, help="worker processes (default 2; 1 leaves a core free)")
    ap.add_argument("--buffers", default=None, type=buffer_list,
                    help="comma-separated buffer sizes in s to judge instead of 10, 25, 60")
    ap.add_argument("--sets", default=None, type=set_list,
                    help=f"comma-separated trace sets to judge instead of all ({','.join(ALL_SETS)})")
    ap.add_argument("--lte-starts", type=int, default=1,
                    help="enter each of lte's twelve logs at this many evenly spaced points of its loop")
    args = ap.parse_args()
    if not 1 <= args.lte_starts <= MAX_STARTS:
        ap.error(f"--lte-starts must be 1 to {MAX_STARTS}")
    buffers = BUFFERS if args.buffers is None else args.buffers
    live_buffers = LIVE_BUFFERS if args.buffers is None else ()  # the live-sized rows go with the goal's buffers
    keep = ALL_SETS if args.sets is None else args.sets
    big, small = tuple(s for s in BIG_SETS if s in keep), tuple(s for s in SMALL_SETS if s in keep)
    with_lte = "lte" in keep
    global CANDIDATE, ALGOS
    CANDIDATE = canonical(args.algorithm)
    ALGOS = (CANDIDATE, *BASELINES)
    root = Path(args.shared) / "abr-traces"
    cache = BaselineCache(args.cache)
    t0 = time.monotonic()
    if args.baselines_only:
        if args.cache is None:
            ap.error("--baselines-only needs --cache")
        run_cells(root, args.every, buffers, LADDERS, with_lte, big, small, cache=cache, algos=BASELINES,
                  processes=args.processes, lte_starts=args.lte_starts)
        run_cells(root, args.every, live_buffers, LADDERS[:1], False, big, (), cache=cache, algos=BASELINES,
                  processes=args.processes)
        print(f"baselines cached in {args.cache} ({time.monotonic() - t0:.0f} s)")
        return 0
    cells = run_cells(root, args.every, buffers, LADDERS, with_lte, big, small, cache=cache, processes=args.processes,
                      lte_starts=args.lte_starts)
    thinned = f"; {' and '.join(big)}: every {args.every}. trace" if big else ""
    print(f"## ABR goal (issue 17): {len(cells)} cells{thinned}; {time.monotonic() - t0:.0f} s")
    verdicts = {k: print_cell(k, c) for k, c in sorted(cells.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0]))}

    if live_buffers and big:
        print(f"\n### live-sized buffers ({' + '.join(big)}, netflix10)")
    live = run_cells(root, args.every, live_buffers, LADDERS[:1], False, big, (), cache=cache, processes=args.processes)
    for k, c in sorted(live.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0])):
        print_cell(k, c)
    worst_startup = steady_startup(root, buffers)
    n = len(verdicts)

    def count(key: str) -> int:
        return sum(1 for v in verdicts.values() if v[key])

    def misses(key: str) -> str:
        bad = [f"{s}/{SHORT[lad]}/{buf:g}" for (s, lad, buf), v in verdicts.items() if not v[key]]
        return f" (missed: {', '.join(bad)})" if bad else ""

    def pooled() -> list[tuple[str, bool]]:
        """Goal 2, judged only where its buffer and both its sets ran."""
        if GOAL_BUFFER_S not in buffers or big != BIG_SETS:
            return []
        mean = statistics.fmean(r.qoe_lin for s in ("fcc", "hsdpa") for r in cells[(s, LADDERS[0], GOAL_BUFFER_S)][CANDIDATE])
        return [verdict(f"pooled fcc+hsdpa QoE_lin at {GOAL_BUFFER_S:g} s (netflix10) {mean:.3f} ≥ 1.15", mean >= 1.15)]

    print("\n## goal verdicts\n")
    checks = [
        verdict(f"QoE_lin ≥ best baseline, paired 95 % interval not below 0: {count('lin')}/{n} cells{misses('lin')}",
                count("lin") == n),
        *pooled(),
        verdict(f"rebuffer ratio ≤ DYNAMIC's: {count('rebuffer')}/{n} cells{misses('rebuffer')}", count("rebuffer") == n),
        verdict(f"switches per 150 ≤ RobustMPC's: {count('switches')}/{n} cells{misses('switches')}",
                count("switches") == n),
        verdict(f"QoE_log ≥ best baseline: {count('log')}/{n} cells{misses('log')}", count("log") == n),
        verdict(f"startup on steady links: worst {worst_startup:.0f} s below the sustainable rung ≤ 4 s", worst_startup <= 4.0),
    ]
    if args.json:
        Path(args.json).write_text(json.dumps({
            f"{s}/{lad}/{buf:g}": {a: {r.trace: [r.qoe_lin, r.qoe_log] for r in c[a]} for a in ALGOS}
            for (s, lad, buf), c in {**cells, **live}.items()}))
    print(f"\n{sum(ok for _, ok in checks)}/{len(checks)} goals met; {time.monotonic() - t0:.0f} s")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())

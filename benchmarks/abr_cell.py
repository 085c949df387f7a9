"""Where one cell's QoE goes (issue 17): the default and the goal's baselines on one trace set, ladder and buffer.

    .venv/bin/python benchmarks/abr_cell.py --set puffer [--ladder netflix10_4s_cbr] [--buffer 10] [--every N]
        [--processes N] [--shared DIR]

Per algorithm: QoE_lin; QoE_log split into its terms (log quality, stall and switch penalties per segment);
rebuffering, switches per 150 segments, abandonments; and the share of segments played at each rung.  For
round two (``reelbox-r2``, the default), how its lowest-rung segments came about: chosen by the plan, or
held there by the up-switch margin (the plan wanted a higher rung, the margin did not let it climb), and the
deciles of the margin each up-switch the plan wanted had to survive; and where its switches come from (into
an abandonment's refetch, the climb right after one, or the plan; up or down; at a full, middling or low
buffer).  For every algorithm, its runs at the lowest rung after the first segment: log utility is 0 there,
and a long run is where a deep buffer's QoE_log goes.  A goal cell that is lost says here which term it is
lost on.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from abr_goal import BASELINES, BIG_SETS  # noqa: E402

from abr.algorithms import by_name  # noqa: E402
from abr.bench import load_ladder, trace_files  # noqa: E402
from abr.metrics import SessionResult  # noqa: E402
from abr.reelbox_r2 import ReelboxR2  # noqa: E402
from abr.simulator import SimConfig, simulate  # noqa: E402
from abr.state import AbrState, Decision, DownloadResult  # noqa: E402
from abr.traces import parse_trace  # noqa: E402

TRACED = "reelbox-r2"
LONG_RUN = 10  # segments at the lowest rung in a row that lowest_runs counts apart


class TracedR2(ReelboxR2):
    """Round two as it is, counting its margins, the lowest-rung decisions the margin held there, and the
    causes of its switches."""

    def reset(self) -> None:
        super().reset()
        self.margins: list[float] = []
        self.lowest = 0  # decisions for the lowest rung
        self.held = 0  # ... of which the plan wanted a higher rung
        self.played: list[tuple[int, bool, float]] = []  # (rung, a refetch after an abandonment, buffer after it)
        self._refetching = False

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        super().on_download(state, result)
        if result.abandoned:
            self._refetching = True
        else:
            self.played.append((result.rung, self._refetching, result.buffer_s / state.buffer_capacity_s))
            self._refetching = False

    def switch_causes(self) -> dict[str, int]:
        """Each switch by cause, direction and the buffer it was asked for from (full ≥ 80 %, mid ≥ 40 %, low)."""
        causes: dict[str, int] = {}
        for (r0, refetch0, fill0), (r1, refetch1, _) in zip(self.played, self.played[1:]):
            if r1 != r0:
                cause = "into a refetch" if refetch1 else "after a refetch" if refetch0 else "the plan"
                band = "full" if fill0 >= 0.8 else "mid" if fill0 >= 0.4 else "low"
                key = f"{cause}, {'up' if r1 > r0 else 'down'}, {band}"
                causes[key] = causes.get(key, 0) + 1
        return causes

    def margin(self, state: AbrState, *, falls: bool = True) -> float:
        value = super().margin(state, falls=falls)
        if falls:
            self.margins.append(value)
        return value

    def damp(self, state: AbrState, kbps: float, rung: int, last: int) -> int:
        damped = super().damp(state, kbps, rung, last)
        self.held += damped == 0
        return damped

    def choose(self, state: AbrState) -> Decision:
        decision = super().choose(state)
        self.lowest += decision.rung == 0
        return decision


def run_one(task: tuple[str, str, float, str]) -> tuple[str, SessionResult, dict[str, Any]]:
    name, ladder, buffer_s, path = task
    algorithm = TracedR2() if name == TRACED else by_name(name)
    trace = parse_trace(Path(path).read_text(), name=Path(path).name)
    result = simulate(algorithm, trace, load_ladder(Path(ladder)), SimConfig(buffer_capacity_s=buffer_s))
    extra = ({"margins": algorithm.margins, "lowest": algorithm.lowest, "held": algorithm.held,
              "causes": algorithm.switch_causes(), "segments": result.segments}
             if isinstance(algorithm, TracedR2) else {})
    return name, result, extra


def occupancy(sessions: list[SessionResult], rungs: int) -> str:
    """Percent of all segments played at each rung, lowest first."""
    played = [r for s in sessions for r in s.rungs]
    return " ".join(f"{100 * played.count(r) / len(played):.0f}" for r in range(rungs))


def lowest_runs(sessions: list[SessionResult], long: int = LONG_RUN) -> str:
    """Runs of consecutive segments at the lowest rung, the first segment (always there) left out."""
    runs: list[int] = []
    for session in sessions:
        length = 0
        for rung in [*session.rungs[1:], -1]:
            if rung == 0:
                length += 1
            elif length:
                runs.append(length)
                length = 0
    played = sum(max(len(s.rungs) - 1, 0) for s in sessions)
    longs = [n for n in runs if n >= long]
    return (f"{sum(runs)} segments ({100 * sum(runs) / max(played, 1):.1f} %) in {len(runs)} runs, "
            f"{statistics.fmean(runs) if runs else 0:.1f} long on average; {len(longs)} of {long} or more hold "
            f"{sum(longs)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", required=True, help="a trace set under abr-traces/ (fcc, hsdpa, puffer, oboe, lte)")
    ap.add_argument("--ladder", default="netflix10_4s_cbr")
    ap.add_argument("--buffer", type=float, default=10.0)
    ap.add_argument("--every", type=int, default=1, help="every N-th trace of fcc and hsdpa")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--shared", default="/work/shared")
    args = ap.parse_args()
    root = Path(args.shared) / "abr-traces"
    ladder = root / "ladders" / f"{args.ladder}.json"
    files = trace_files(root / args.set)[:: args.every if args.set in BIG_SETS else 1]
    names = (TRACED, *BASELINES)
    tasks = [(name, str(ladder), args.buffer, str(f)) for name in names for f in files]
    with multiprocessing.get_context("fork").Pool(args.processes) as pool:
        done = pool.map(run_one, tasks, chunksize=4)
    rungs = len(load_ladder(ladder).bitrates_kbps)
    print(f"{args.set} · {args.ladder} · {args.buffer:g} s, {len(files)} traces\n")
    print("| algorithm | QoE_lin | QoE_log = quality − stall − switches | rebuffer % | switches /150 | abandons | "
          "% of segments per rung, lowest first |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        sessions = [r for n, r, _ in done if n == name]
        terms = [statistics.fmean(s.qoe_log_terms[i] for s in sessions) for i in range(3)]
        print(f"| {name} | {statistics.fmean(s.qoe_lin for s in sessions):.3f} | "
              f"{statistics.fmean(s.qoe_log for s in sessions):.3f} = {terms[0]:.3f} − {terms[1]:.3f} − {terms[2]:.3f} | "
              f"{100 * statistics.fmean(s.rebuffer_ratio for s in sessions):.2f} | "
              f"{statistics.fmean(s.switches_per() for s in sessions):.1f} | "
              f"{statistics.fmean(s.abandons for s in sessions):.1f} | {occupancy(sessions, rungs)} |")
    print("\nat the lowest rung after the first segment:")
    for name in names:
        print(f"  {name}: {lowest_runs([r for n, r, _ in done if n == name])}")
    traced = [extra for n, _, extra in done if n == TRACED]
    margins = [m for e in traced for m in e["margins"]]
    lowest, held = sum(e["lowest"] for e in traced), sum(e["held"] for e in traced)
    print(f"\n{TRACED}: {lowest} decisions for the lowest rung, {held} of them ({100 * held / max(lowest, 1):.0f} %) "
          "held there by the up-switch margin (the plan wanted higher)")
    if len(margins) >= 10:
        deciles = ", ".join(f"{q:.2f}" for q in statistics.quantiles(margins, n=10))
        share = sum(m >= 1.0 for m in margins) / len(margins)
        print(f"margin an up-switch had to survive, deciles: {deciles}; ≥ 1 (no estimate allows a climb) in "
              f"{100 * share:.0f} % of them")
    print(f"\nwhere {TRACED}'s switches come from, per 150 segments (mean over sessions, as the table's):")
    for key in sorted({k for e in traced for k in e["causes"]}, key=lambda k: -sum(e["causes"].get(k, 0) for e in traced)):
        print(f"  {key}: {statistics.fmean(e['causes'].get(key, 0) * 150 / e['segments'] for e in traced):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

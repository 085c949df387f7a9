"""``reelbox abr-bench``: run the simulator over trace folders on every core, print a table per set
and the paired per-trace differences of the default algorithm, write the DESIGN.md JSON contract.

This is the one module of the package that reads files.  Work is spread over a process pool (one task
per algorithm × trace); each worker parses its trace itself.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .algorithms import DEFAULT_ALGORITHM, by_name, canonical, names
from .errors import AbrError, LadderError, TraceError
from .ladder import NETFLIX10_NAME, Ladder, netflix10, parse_ladder
from .metrics import SessionResult, paired_difference, summarize
from .simulator import SimConfig, simulate
from .traces import parse_trace, start_fractions

DEFAULT_LADDER = "netflix10_4s_cbr.json"


def trace_files(folder: str | Path) -> list[Path]:
    """Every regular, non-hidden file in ``folder`` except READMEs, sorted by name."""
    path = Path(folder)
    if not path.is_dir():
        raise TraceError(f"not a folder: {folder}")
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                   and not p.name.lower().startswith("readme"))
    if not files:
        raise TraceError(f"no trace files in {folder}")
    return files


def find_ladder(trace_dirs: Sequence[str], ladder: str | None) -> Path | None:
    """The ladder file: ``--ladder``, else ``ladders/netflix10_4s_cbr.json`` beside the trace folders,
    else None (the same ladder, built in)."""
    if ladder is not None:
        path = Path(ladder)
        if not path.is_file():
            raise LadderError(f"ladder not found: {ladder}")
        return path
    for d in trace_dirs:
        cand = Path(d).resolve().parent / "ladders" / DEFAULT_LADDER
        if cand.is_file():
            return cand
    return None


def load_ladder(path: Path | None) -> Ladder:
    if path is None:
        return netflix10()
    try:
        return parse_ladder(path.read_text())
    except OSError as exc:
        raise LadderError(f"cannot read ladder {path}: {exc.strerror}") from None


_LADDER: Ladder | None = None
_CONFIG = SimConfig()
_LATENCY_S: float | None = None


def ladder_name(ladder: Ladder) -> str:
    """How a ladder given as an object (not a file) is named in a result."""
    return f"{len(ladder.bitrates_kbps)} rungs of {ladder.segment_duration_s:g} s segments (given)"


def _init_worker(ladder: Ladder, config: SimConfig, latency_s: float | None) -> None:
    global _LADDER, _CONFIG, _LATENCY_S
    _LADDER, _CONFIG, _LATENCY_S = ladder, config, latency_s


def _run_one(task: tuple[str, str, str, float]) -> tuple[str, str, SessionResult]:
    algo, set_name, path, start = task
    assert _LADDER is not None
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise TraceError(f"cannot read trace {path}: {exc.strerror}") from None
    trace = parse_trace(text, name=Path(path).name).started_at(start)
    if _LATENCY_S is not None:
        trace = trace.with_latency(_LATENCY_S)
    return algo, set_name, simulate(by_name(algo), trace, _LADDER, _CONFIG)


@dataclass(frozen=True, kw_only=True)
class BenchResult:
    ladder: str
    algorithms: tuple[str, ...]
    sessions: dict[str, dict[str, list[SessionResult]]]  # set -> algorithm -> sessions (trace order)
    buffer_s: float = SimConfig().buffer_capacity_s
    latency_ms: float | None = None  # None: each trace's own


def run_bench(trace_dirs: Sequence[str], algorithms: Sequence[str], ladder_path: Path | Ladder | None, *,
              processes: int | None = None, config: SimConfig = SimConfig(), latency_s: float | None = None,
              every: int = 1, starts: int = 1) -> BenchResult:
    """Every algorithm on every ``every``-th trace of each folder (``every`` > 1 for quick subsets), each
    trace entered at ``starts`` evenly spaced points of its loop (sessions in trace order, then start order).
    The ladder is a Sabre movie file, a :class:`Ladder` itself, or None for netflix10 built in."""
    try:
        fractions = start_fractions(starts)
    except ValueError as exc:
        raise AbrError(str(exc)) from None
    ladder = ladder_path if isinstance(ladder_path, Ladder) else load_ladder(ladder_path)
    sets: dict[str, list[Path]] = {}
    for d in trace_dirs:
        sets[Path(d).resolve().name] = trace_files(d)[::every]
    tasks = [(a, s, str(p), f) for s, files in sets.items() for p in files for f in fractions for a in algorithms]
    procs = processes or min(2, os.cpu_count() or 1)
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(procs, initializer=_init_worker, initargs=(ladder, config, latency_s)) as pool:
        results = pool.map(_run_one, tasks, chunksize=8)
    sessions: dict[str, dict[str, list[SessionResult]]] = {s: {a: [] for a in algorithms} for s in sets}
    for algo, set_name, res in results:
        sessions[set_name][algo].append(res)
    name = ladder_name(ladder) if isinstance(ladder_path, Ladder) else str(ladder_path) if ladder_path else NETFLIX10_NAME
    return BenchResult(ladder=name, algorithms=tuple(algorithms),
                       sessions=sessions, buffer_s=config.buffer_capacity_s,
                       latency_ms=None if latency_s is None else latency_s * 1000.0)


def _per_trace(sessions: list[SessionResult]) -> list[float]:
    return [r.qoe_lin for r in sessions]


def to_json(result: BenchResult) -> dict[str, Any]:
    out: dict[str, Any] = {"default": DEFAULT_ALGORITHM, "ladder": result.ladder, "buffer_s": result.buffer_s,
                 "latency_ms": result.latency_ms, "sets": {}}
    for s, by_algo in result.sessions.items():
        entry = {}
        for a, sess in by_algo.items():
            sm = summarize(sess)
            entry[a] = {
                "qoe_lin": sm.qoe_lin, "rebuffer_ratio": sm.rebuffer_ratio, "switches_per_150": sm.switches_per_150,
                "avg_bitrate_kbps": sm.avg_bitrate_kbps, "startup_s": sm.startup_s, "stall_s": sm.stall_s,
                "switch_kbps_per_segment": sm.switch_kbps_per_segment, "traces": sm.traces,
                "qoe_log": sm.qoe_log, "startup_below_s": sm.startup_below_s, "qoe_first_10s": sm.qoe_first_10s,
                "abandons": sm.abandons,
                "per_trace": {r.trace: r.qoe_lin for r in sess},
            }
        out["sets"][s] = entry
    out["pooled"] = {a: statistics.fmean(q for by in result.sessions.values() for q in _per_trace(by[a]))
                     for a in result.algorithms}
    out["paired_vs_default"] = paired_report(result)
    return out


def paired_report(result: BenchResult) -> dict[str, Any]:
    """Per set and pooled: mean of (default − baseline) per-trace QoE_lin with its 95 % interval."""
    report: dict[str, Any] = {}
    if DEFAULT_ALGORITHM not in result.algorithms:
        return report
    groups = dict(result.sessions)
    groups_pooled = {a: [r for by in result.sessions.values() for r in by[a]] for a in result.algorithms}
    for label, per_algo in list(((s, by) for s, by in groups.items())) + [("pooled", groups_pooled)]:
        ours = _per_trace(per_algo[DEFAULT_ALGORITHM])
        report[label] = {}
        for a in result.algorithms:
            if a == DEFAULT_ALGORITHM:
                continue
            d = paired_difference(ours, _per_trace(per_algo[a]))
            report[label][a] = {"mean": d.mean, "low": d.low, "high": d.high, "n": d.n}
    return report


def print_tables(result: BenchResult, out: TextIO | None = None) -> None:
    out = out if out is not None else sys.stdout
    head = ("| algorithm | QoE_lin | QoE_log | avg bitrate kbps | rebuffer % | switches /150 | switch kbps /seg | "
            "startup s | below sustainable s | QoE_lin first 10 s |")
    for s, by_algo in result.sessions.items():
        print(f"\n### {s} ({len(next(iter(by_algo.values())))} traces)\n", file=out)
        print(head, file=out)
        print("| --- " * 10 + "|", file=out)
        for a in result.algorithms:
            sm = summarize(by_algo[a])
            mark = " (default)" if a == DEFAULT_ALGORITHM else ""
            print(f"| {a}{mark} | {sm.qoe_lin:.3f} | {sm.qoe_log:.3f} | {sm.avg_bitrate_kbps:.0f} | "
                  f"{sm.rebuffer_ratio * 100:.2f} | {sm.switches_per_150:.1f} | {sm.switch_kbps_per_segment:.0f} | "
                  f"{sm.startup_s:.2f} | {sm.startup_below_s:.1f} | {sm.qoe_first_10s:.3f} |", file=out)
    paired = paired_report(result)
    if paired:
        print(f"\n### paired per-trace QoE_lin difference, {DEFAULT_ALGORITHM} − baseline (mean [95 % CI])\n", file=out)
        labels = list(paired)
        print("| baseline | " + " | ".join(labels) + " |", file=out)
        print("| --- |" + " --- |" * len(labels), file=out)
        for a in result.algorithms:
            if a == DEFAULT_ALGORITHM:
                continue
            cells = [f"{paired[l][a]['mean']:+.3f} [{paired[l][a]['low']:+.3f}, {paired[l][a]['high']:+.3f}]" for l in labels]
            print(f"| {a} | " + " | ".join(cells) + " |", file=out)
        pooled = {a: statistics.fmean(r.qoe_lin for by in result.sessions.values() for r in by[a]) for a in result.algorithms}
        print("\npooled mean QoE_lin: " + ", ".join(f"{a} {q:.3f}" for a, q in pooled.items()), file=out)


def parse_algorithms(spec: str | None) -> list[str]:
    if not spec:
        return names()
    out: list[str] = []
    for part in spec.split(","):
        if part.strip():
            name = canonical(part)
            if name not in out:
                out.append(name)
    if not out:
        raise AbrError("--algorithms names no algorithm")
    return out


def run_cli(trace_dirs: list[str], *, algorithms: str | None, ladder: str | None, json_path: str | None,
            buffer_s: float | None = None, latency_ms: float | None = None) -> int:
    """Entry point of ``reelbox abr-bench`` (DESIGN.md contract). Raises :class:`AbrError` on bad input.

    ``buffer_s``: the player's buffer capacity (default 25 s, the reference setting); ``latency_ms``:
    the first-byte latency of every request (default: each trace's own, 80 ms for Pensieve text)."""
    algos = parse_algorithms(algorithms)
    ladder_path = find_ladder(trace_dirs, ladder)
    config = SimConfig()
    if buffer_s is not None:
        if not buffer_s > 0:
            raise AbrError("--buffer must be a positive number of seconds")
        config = SimConfig(buffer_capacity_s=buffer_s)
    if latency_ms is not None and not latency_ms >= 0:
        raise AbrError("--latency must be a non-negative number of milliseconds")
    result = run_bench(trace_dirs, algos, ladder_path, config=config,
                       latency_s=None if latency_ms is None else latency_ms / 1000.0)
    print(f"ladder: {result.ladder}; buffer {config.buffer_capacity_s:g} s; latency "
          f"{'per trace' if latency_ms is None else f'{latency_ms:g} ms'}")
    print_tables(result)
    if json_path:
        Path(json_path).write_text(json.dumps(to_json(result), indent=1))
    return 0

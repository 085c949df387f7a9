"""The ABR goal of issue 3, measured: prints the tables for the README and checks each target.

    .venv/bin/python benchmarks/abr_goal.py [SHARED_DIR]

1. netflix10 ladder over fcc + hsdpa, every algorithm: pooled mean QoE_lin of the default ≥ 1.08;
   paired per-trace 95 % interval above zero against DYNAMIC and RobustMPC; rebuffer ratio per set no
   higher than DYNAMIC's; ≤ 40 switches per 150 segments.
2. puffer and oboe: the default no more than 2 % below DYNAMIC.
3. The Pensieve EnvivioDash3 ladder (real VBR sizes) over fcc + hsdpa, reported.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abr import DEFAULT_ALGORITHM  # noqa: E402
from abr.algorithms import names  # noqa: E402
from abr.bench import paired_report, print_tables, run_bench  # noqa: E402
from abr.metrics import summarize  # noqa: E402


def main() -> int:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared")
    root = shared / "abr-traces"
    main_sets = [str(root / "fcc"), str(root / "hsdpa")]
    checks: list[tuple[str, bool]] = []

    t0 = time.monotonic()
    res = run_bench(main_sets, names(), root / "ladders" / "netflix10_4s_cbr.json")
    print(f"## netflix10_4s_cbr.json — fcc + hsdpa ({time.monotonic() - t0:.0f} s)")
    print_tables(res)
    pooled = [r.qoe_lin for by in res.sessions.values() for r in by[DEFAULT_ALGORITHM]]
    mean = sum(pooled) / len(pooled)
    checks.append((f"pooled QoE_lin {mean:.3f} >= 1.08", mean >= 1.08))
    paired = paired_report(res)["pooled"]
    for base in ("dynamic", "robust-mpc"):
        p = paired[base]
        checks.append((f"paired vs {base}: {p['mean']:+.3f} [{p['low']:+.3f}, {p['high']:+.3f}] above 0", p["low"] > 0))
    for s, by in res.sessions.items():
        ours, dyn = summarize(by[DEFAULT_ALGORITHM]), summarize(by["dynamic"])
        checks.append((f"{s} rebuffer {ours.rebuffer_ratio * 100:.2f} % <= DYNAMIC {dyn.rebuffer_ratio * 100:.2f} %",
                       ours.rebuffer_ratio <= dyn.rebuffer_ratio))
        checks.append((f"{s} switches/150 {ours.switches_per_150:.1f} <= 40", ours.switches_per_150 <= 40))

    t0 = time.monotonic()
    gen = run_bench([str(root / "puffer"), str(root / "oboe")], [DEFAULT_ALGORITHM, "dynamic", "robust-mpc"],
                    root / "ladders" / "netflix10_4s_cbr.json")
    print(f"\n## netflix10_4s_cbr.json — puffer + oboe ({time.monotonic() - t0:.0f} s)")
    print_tables(gen)
    for s, by in gen.sessions.items():
        ours, dyn = summarize(by[DEFAULT_ALGORITHM]).qoe_lin, summarize(by["dynamic"]).qoe_lin
        checks.append((f"{s}: {ours:.3f} within 2 % of DYNAMIC {dyn:.3f} or better", ours >= dyn - 0.02 * abs(dyn)))

    t0 = time.monotonic()
    vbr = run_bench(main_sets, names(), root / "ladders" / "pensieve_envivio_48x4s.json")
    print(f"\n## pensieve_envivio_48x4s.json — fcc + hsdpa ({time.monotonic() - t0:.0f} s)")
    print_tables(vbr)

    print("\n## goal checks")
    for text, ok in checks:
        print(f"- [{'x' if ok else ' '}] {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())

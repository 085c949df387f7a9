"""Reproduce the reference table of shared/abr-traces/README.md with our simulator and print the
relative error of every figure (the README's Sabre setting, netflix10 ladder, fcc + hsdpa).

    .venv/bin/python benchmarks/abr_reference.py [SHARED_DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abr.bench import run_bench  # noqa: E402
from abr.metrics import summarize  # noqa: E402

# README rows: name -> (fcc QoE, fcc rebuffer %, hsdpa QoE, hsdpa rebuffer %)
LABELS = {"bola": "BOLA", "bola-e": "BOLA-E", "throughput": "throughput rule", "dynamic": "DYNAMIC",
          "bba0": "BBA-0", "robust-mpc": "RobustMPC"}


def reference(readme: Path) -> dict[str, tuple[float, ...]]:
    out = {}
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for name, label in LABELS.items():
            if cells and (cells[0] == label or cells[0].startswith(label + " ")) and len(cells) >= 5:
                out[name] = tuple(float(c) for c in cells[1:5])
    return out


def main() -> int:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared")
    root = shared / "abr-traces"
    ref = reference(root / "README.md")
    result = run_bench([str(root / "fcc"), str(root / "hsdpa")], list(ref), root / "ladders" / "netflix10_4s_cbr.json")
    print("| algorithm | fcc QoE (ref) | fcc rebuf % (ref) | hsdpa QoE (ref) | hsdpa rebuf % (ref) | worst QoE error |")
    print("| --- | --- | --- | --- | --- | --- |")
    worst_checked = worst_mpc = 0.0
    for name, (fq, fr, hq, hr) in ref.items():
        f = summarize(result.sessions["fcc"][name])
        h = summarize(result.sessions["hsdpa"][name])
        err = max(abs(f.qoe_lin / fq - 1), abs(h.qoe_lin / hq - 1))
        if name in ("bola-e", "dynamic"):
            worst_checked = max(worst_checked, err)
        if name == "robust-mpc":
            worst_mpc = err
        print(f"| {name} | {f.qoe_lin:.3f} ({fq}) | {f.rebuffer_ratio * 100:.2f} ({fr}) | {h.qoe_lin:.3f} ({hq}) | "
              f"{h.rebuffer_ratio * 100:.2f} ({hr}) | {err * 100:.1f} % |")
    ok = worst_checked <= 0.03 and worst_mpc <= 0.01
    print(f"\nBOLA-E and DYNAMIC within 3 %: {'yes' if worst_checked <= 0.03 else 'NO'} (worst {worst_checked * 100:.2f} %)")
    print(f"RobustMPC within 1 %: {'yes' if worst_mpc <= 0.01 else 'NO'} ({worst_mpc * 100:.2f} %)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

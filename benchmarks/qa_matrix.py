"""Full-size QA matrix (issue 9): 3 titles × 3 real traces × {no fault, edge 0 down at 20 s, 5 % 503s}.

Builds three 30 s titles (144/240/360p) once into a temporary backend data dir, runs ``reelbox qa``'s
runner against the bundled backend (2 sessions at once) and prints the wall time and the summary
table. Usage: ``.venv/bin/python benchmarks/qa_matrix.py [OUT_DIR]``.
"""
from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from backend_stub.encode import make_test_title
from ui.qa import Runner, load_matrix

TRACES = Path(__file__).resolve().parents[2] / "shared" / "abr-traces"
PICK = ("fcc/test_fcc_trace_14731_http---www.facebook.com_180_0", "hsdpa", "lte")


def trace_files() -> list[Path]:
    out = [TRACES / PICK[0]]
    out.append(sorted((TRACES / "hsdpa").iterdir())[0])
    out.append(sorted(p for p in (TRACES / "lte").iterdir() if p.suffix == ".json")[0])
    return out


def main() -> int:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="qa-matrix-"))
    work = Path(tempfile.mkdtemp(prefix="qa-matrix-data-"))
    t0 = time.monotonic()
    titles = ["qa-one", "qa-two", "qa-three"]
    for title in titles:
        make_test_title(work / "data", title, seconds=30, heights=(144, 240, 360))
    encode_s = time.monotonic() - t0
    traces = ", ".join(f'"{p}"' for p in trace_files())
    (work / "matrix.toml").write_text(f"""
[qa]
backend = "bundled"
data = "data"
jobs = 2
buffer_s = 10
targets = [{", ".join(f'"{t}"' for t in titles)}]
traces = [{traces}]
[thresholds]
max_startup_ms = 5000
max_rebuffer_s = 3.0
max_decoder_errors = 0
max_errors = 0
min_played_ratio = 0.95
[[faults]]
name = "none"
[[faults]]
name = "edge0-down-20s"
at_s = 20
edges = [0]
body = {{ down = true }}
[[faults]]
name = "503-5pct"
body = {{ error_status = 503, error_fraction = 0.05, seed = 1 }}
""")
    t1 = time.monotonic()
    summary = asyncio.run(Runner(load_matrix(work / "matrix.toml"), out_dir).run())
    run_s = time.monotonic() - t1
    print(f"encode 3 titles: {encode_s:.1f} s; matrix {summary['total']} cells, {summary['jobs']} at once: {run_s:.1f} s")
    print(f"{'cell':>4} {'target':<9} {'trace':<42} {'fault':<15} {'startup':>8} {'rebuf_s':>7} {'kbps':>7} {'sw':>3} {'fo':>3} {'qoe':>7}  verdict")
    for r in summary["cells"]:
        print(f"{r['cell']:>4} {r['target']:<9} {r['trace'][:42]:<42} {r['fault']:<15} {r.get('startup_ms')!s:>8} "
              f"{r.get('rebuffer_s')!s:>7} {r.get('avg_bitrate_kbps')!s:>7} {r.get('switches')!s:>3} {r.get('cdn_failovers')!s:>3} "
              f"{r.get('qoe_lin')!s:>7}  {'pass' if r['passed'] else 'FAIL ' + '; '.join(r['failed'])}")
    print(f"{summary['total'] - summary['failed']}/{summary['total']} passed; summary: {out_dir / 'summary.html'}")
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

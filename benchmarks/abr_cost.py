"""What the algorithms cost in CPU: milliseconds per simulated session, per algorithm, ladder and buffer.

    .venv/bin/python benchmarks/abr_cost.py [--set hsdpa] [--every 10] [--buffers 10,25,60]
        [--algorithms reelbox-r2,robust-mpc,dynamic] [--shared DIR]

One process, CPU time (``time.process_time``), each session once.  A session is about 150 decisions, so
the figure / 150 is what one decision costs in the engine too.  The default's plan looks further ahead
with a deeper buffer (eight segments at 60 s): that is where its cost is, and where the goal benchmark
spends its time.  It uses only the registry and the simulator, so the same command measures an older
checkout.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from abr.algorithms import by_name  # noqa: E402
from abr.bench import load_ladder, trace_files  # noqa: E402
from abr.simulator import SimConfig, simulate  # noqa: E402
from abr.traces import parse_trace  # noqa: E402

LADDERS = ("netflix10_4s_cbr", "sabre_bbb_3s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="hsdpa")
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--buffers", default="10,25,60")
    parser.add_argument("--algorithms", default="reelbox-r2,robust-mpc,dynamic")
    parser.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    args = parser.parse_args(argv)
    root = Path(args.shared) / "abr-traces"
    files = trace_files(root / args.set)[::args.every]
    traces = [parse_trace(f.read_text(), name=f.name) for f in files]
    buffers = [float(b) for b in args.buffers.split(",")]
    print(f"CPU ms per session, {args.set} every {args.every}. trace ({len(traces)} sessions a cell)\n")
    print("| algorithm | ladder | " + " | ".join(f"{b:g} s" for b in buffers) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in buffers) + " |")
    for name in args.algorithms.split(","):
        for lad in LADDERS:
            ladder = load_ladder(root / "ladders" / f"{lad}.json")
            row = []
            for buf in buffers:
                t0 = time.process_time()
                for trace in traces:
                    simulate(by_name(name), trace, ladder, SimConfig(buffer_capacity_s=buf))
                row.append(f"{(time.process_time() - t0) / len(traces) * 1000:.0f}")
            print(f"| {name} | {lad} | " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

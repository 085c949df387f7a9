"""The default against the goal's baselines at the buffers and segment length a live play runs with.

    .venv/bin/python benchmarks/abr_live.py [--shared DIR] [--segment 2] [--buffers 3.5,6,8] [--every N]
        [--processes N]

A live play plans with a buffer of its latency target plus the segment just fetched
(``player.scheduling.scheduler``): 3.5 s for low-latency HLS with 2 s segments, 8 s for standard HLS (a
6 s hold-back) with 2 s segments.  ``abr_goal.py``'s live-sized rows keep the goal ladder's 4 s segments
at 6 and 8 s, which hold one or two segments; this benchmark cuts the same netflix10 bitrates (CBR, 600 s
of media) into ``--segment`` s segments, as live encoders do, and scores fcc and hsdpa (every N-th trace)
at each buffer with the per-cell verdicts of ``abr_goal.py``: QoE_lin and QoE_log against the best
baseline, rebuffering against DYNAMIC's, switches per 150 segments against RobustMPC's.  The startup column
(media seconds below the sustainable rung) says little here: with under two segments of room a download must
beat the media it carries, so most algorithms stay below the rung the link's mean carries for minutes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from abr_goal import ALGOS, BIG_SETS, buffer_list, print_cell  # noqa: E402

from abr.bench import run_bench  # noqa: E402
from abr.ladder import NETFLIX10_KBPS, Ladder  # noqa: E402
from abr.simulator import SimConfig  # noqa: E402

MEDIA_S = 600.0  # as long as the goal's netflix10 ladder (150 × 4 s)
VERDICTS = (("lin", "QoE_lin ≥ best baseline (95 % interval)"), ("log", "QoE_log ≥ best baseline"),
            ("rebuffer", "rebuffer ≤ DYNAMIC's"), ("switches", "switches ≤ RobustMPC's"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="/work/shared")
    ap.add_argument("--segment", type=float, default=2.0, help="segment length in s (default 2, as live HLS)")
    ap.add_argument("--buffers", default=(3.5, 6.0, 8.0), type=buffer_list, help="buffer sizes in s")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--processes", type=int, default=None)
    args = ap.parse_args()
    if not 0 < args.segment <= MEDIA_S:
        ap.error("--segment must be a positive number of seconds, at most the media's length")
    if args.every < 1:
        ap.error("--every must be at least 1")
    root = Path(args.shared) / "abr-traces"
    t0 = time.monotonic()
    verdicts = {}
    ladder = Ladder.constant(NETFLIX10_KBPS, segment_duration_s=args.segment, segments=round(MEDIA_S / args.segment))
    for buf in args.buffers:
        res = run_bench([str(root / s) for s in BIG_SETS], ALGOS, ladder, config=SimConfig(buffer_capacity_s=buf),
                        every=args.every, processes=args.processes)
        for s in BIG_SETS:
            verdicts[(s, buf)] = print_cell((s, f"netflix10_{args.segment:g}s_cbr", buf), res.sessions[s])
    print(f"\n## verdicts ({args.segment:g} s segments; fcc and hsdpa every {args.every}. trace; "
          f"{time.monotonic() - t0:.0f} s)\n")
    print("| cell | " + " | ".join(label for _, label in VERDICTS) + " |")
    print("| --- |" + " --- |" * len(VERDICTS))
    for (s, buf), v in verdicts.items():
        print(f"| {s} · {buf:g} s | " + " | ".join("met" if v[key] else "**missed**" for key, _ in VERDICTS) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

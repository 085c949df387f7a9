"""Live latency and rebuffers, standard and low-latency, HLS and DASH (issue 15, "Must show").

A real :class:`Backend` runs its live channel (2 s segments, 0.5 s parts; real-time ffmpeg), and each
mode is played by the real CLI (``reelbox play live --live low|standard``, libmpv headless, real time)
for ``--seconds``; ``--trace FILE`` adds the same four plays shaped to a throughput trace (the CLI's
``--trace``, e.g. ``../shared/abr-traces/lte/<file>``). Latency is what the report measures: the
server clock at display minus the shown frame's program date-time, sampled twice a second.

Prints p50/p95 latency, rebuffers per 10 minutes and startup per mode; goals: standard ≤ 6 s p50,
LL ≤ 2.5 s p50 with 0 rebuffers on loopback.

Low latency feeds LL-HLS parts (preload hint held open by the edge) and LL-DASH chunked-transfer CMAF
chunks to libmpv as they arrive; standard plays whole segments.

Usage: ``python benchmarks/live_latency.py [--seconds 60] [--trace FILE [--shaped-only]] [--modes hls:low,dash:low,...] [--json FILE]``
(the README's rows: ``--seconds 600 --modes hls:low,dash:low``; ``--seconds 180 --modes hls:standard,dash:standard``;
``--seconds 120 --trace ../shared/abr-traces/lte/report_bicycle_0001.json --shaped-only``).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from backend_stub.server import Backend  # noqa: E402
from testkit import FAST_SETTINGS  # noqa: E402

MODES = ("hls:standard", "dash:standard", "hls:low", "dash:low")


def play(api: str, fmt: str, mode: str, seconds: float, home: Path, trace: str | None) -> dict[str, Any]:
    report = home / f"{fmt}-{mode}-{'shaped' if trace else 'loopback'}.json"
    argv = [sys.executable, "-m", "ui", "play", "live", "--backend", api, "--format", fmt, "--live", mode,
            "--headless", "--until", str(seconds), "--report", str(report)]
    if trace:
        argv += ["--trace", trace]
    proc = subprocess.run(argv, env={**os.environ, "REELBOX_HOME": str(home)}, capture_output=True, text=True,
                          timeout=seconds + 120)
    if proc.returncode != 0 and not report.exists():
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(report.read_text())  # type: ignore[no-any-return]


def row(name: str, r: dict[str, Any]) -> dict[str, Any]:
    if "error" in r:
        return {"mode": name, "error": r["error"]}
    played = float(r.get("played_s") or 0.0)
    return {
        "mode": name, "played_s": round(played, 1), "latency_p50_s": r.get("latency_p50_s"),
        "latency_p95_s": r.get("latency_p95_s"), "latency_target_s": r.get("latency_target_s"),
        "rebuffers": r.get("rebuffer_count"), "rebuffer_s": r.get("rebuffer_s"),
        "rebuffers_per_10min": round(600.0 * int(r.get("rebuffer_count") or 0) / played, 2) if played else None,
        "startup_ms": r.get("startup_ms"), "catch_up_s": r.get("catch_up_s"), "resyncs": r.get("resyncs"),
        "errors": len(r.get("errors") or []),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--trace", default=None, help="also play every mode shaped to this throughput trace")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--shaped-only", action="store_true", help="with --trace: skip the loopback plays")
    parser.add_argument("--json", default=None)
    parser.add_argument("--keep", default=None, help="copy every play's report (rebuffer times, segments) here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="live-bench-") as tmp:
        backend = Backend(Path(tmp) / "backend", demo_user=True, edges=2, settings=FAST_SETTINGS, ingest_worker=False,
                          live_channels=1).start()
        try:
            if not backend.live.channels[0].wait_ready(30, segments=3):
                print("error: the live channel produced no segments", file=sys.stderr)
                return 1
            traces = [args.trace] if args.trace and args.shaped_only else [None, args.trace] if args.trace else [None]
            for trace in traces:
                for mode in args.modes.split(","):
                    fmt, latency = mode.split(":")
                    name = f"{fmt} {latency}{' (shaped)' if trace else ''}"
                    report = play(backend.api_url, fmt, latency, args.seconds, Path(tmp), trace)
                    rows.append(row(name, report))
                    if args.keep:
                        Path(args.keep).mkdir(parents=True, exist_ok=True)
                        stem = re.sub(r"\W+", "-", name).strip("-")
                        (Path(args.keep) / f"{stem}.json").write_text(json.dumps(report))
                    print(json.dumps(rows[-1]), flush=True)
        finally:
            backend.stop()
    print(f"\n{'mode':<22} {'p50 s':>6} {'p95 s':>6} {'target':>6} {'rebuf/10min':>11} {'startup ms':>10}")
    for r in rows:
        if "error" in r:
            print(f"{r['mode']:<22} error: {r['error']}")
            continue
        print(f"{r['mode']:<22} {r['latency_p50_s']!s:>6} {r['latency_p95_s']!s:>6} {r['latency_target_s']!s:>6} "
              f"{r['rebuffers_per_10min']!s:>11} {r['startup_ms']!s:>10}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

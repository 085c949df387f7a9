"""Time the demo catalog build (goal: under 5 minutes on a 2-core machine, issue #2).

Usage: .venv/bin/python benchmarks/build_catalog.py [DATA_DIR]   (default: a fresh temp dir)
Prints the total seconds, per-title seconds, and each title's top-rung bandwidth from its MPD.
"""
from __future__ import annotations

import re
import resource
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend_stub.encode.catalog import DEMO_TITLES, build_demo_catalog  # noqa: E402


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="reelbox-catalog-"))
    marks: dict[str, tuple[float, float]] = {}
    start = time.monotonic()
    last = [-1.0]

    def progress(fraction: float, message: str) -> None:
        marks.setdefault(message, (time.monotonic(), _child_cpu()))
        if fraction - last[0] >= 0.05 or fraction >= 1.0:
            last[0] = fraction
            print(f"  {fraction * 100:5.1f}%  {message}", flush=True)

    built = build_demo_catalog(data, progress)
    total = time.monotonic() - start
    cpu_total = _child_cpu()
    print(f"\ndata dir: {data}")
    print(f"titles built: {len(built)} in {total:.1f} s wall ({'PASS' if total < 300 else 'OVER'} the 300 s budget)")
    print(f"encoder CPU: {cpu_total:.1f} s (user+sys of ffmpeg/packager) = {cpu_total / 2:.1f} s on 2 idle cores;"
          f" load average now {os.getloadavg()[0]:.1f} (the box is shared)")
    names = {t.meta.name: t.meta.id for t in DEMO_TITLES}
    starts = sorted((t, m) for m, t in marks.items() if m.startswith("encoding "))
    for i, ((t0, c0), msg) in enumerate(starts):
        t1, c1 = starts[i + 1][0] if i + 1 < len(starts) else (start + total, cpu_total)
        tid = names.get(msg.removeprefix("encoding "), "?")
        mpd = (data / "content" / tid / "manifest.mpd").read_text()
        bws = sorted(int(b) for b in re.findall(r'bandwidth="(\d+)"[^>]*width=', mpd))
        print(f"  {tid:16s} {t1 - t0:6.1f} s wall {c1 - c0:6.1f} s cpu   video kbit/s per rung: {[round(b / 1000) for b in bws]}")


if __name__ == "__main__":
    main()

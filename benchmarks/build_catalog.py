"""Time the demo catalog build (goal: under 5 minutes on a 2-core machine, issue #2).

Usage: .venv/bin/python benchmarks/build_catalog.py [DATA_DIR]   (default: a fresh temp dir)
Prints the total seconds, per-title seconds, and each title's top-rung bandwidth from its MPD.
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend_stub.encode.catalog import DEMO_TITLES, build_demo_catalog  # noqa: E402


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="reelbox-catalog-"))
    marks: dict[str, float] = {}
    start = time.monotonic()
    last = [-1.0]

    def progress(fraction: float, message: str) -> None:
        marks.setdefault(message, time.monotonic())
        if fraction - last[0] >= 0.05 or fraction >= 1.0:
            last[0] = fraction
            print(f"  {fraction * 100:5.1f}%  {message}", flush=True)

    built = build_demo_catalog(data, progress)
    total = time.monotonic() - start
    print(f"\ndata dir: {data}")
    print(f"titles built: {len(built)} in {total:.1f} s ({'PASS' if total < 300 else 'OVER'} the 300 s budget)")
    names = {t.meta.name: t.meta.id for t in DEMO_TITLES}
    starts = sorted((t, m) for m, t in marks.items() if m.startswith("encoding "))
    for i, (t0, msg) in enumerate(starts):
        t1 = starts[i + 1][0] if i + 1 < len(starts) else start + total
        tid = names.get(msg.removeprefix("encoding "), "?")
        mpd = (data / "content" / tid / "manifest.mpd").read_text()
        bws = sorted(int(b) for b in re.findall(r'bandwidth="(\d+)"[^>]*width=', mpd))
        print(f"  {tid:16s} {t1 - t0:6.1f} s   video kbit/s per rung: {[round(b / 1000) for b in bws]}")


if __name__ == "__main__":
    main()

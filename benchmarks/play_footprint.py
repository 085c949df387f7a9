"""Memory and CPU while playing (issue 19): ``reelbox play --headless`` against plain libmpv on the same title.

Both play the same 60 s 720p title from the same edge (the backend in its own process), one after the
other, ``--runs`` times, each in its own process:

* **Reelbox**: ``python -m ui play TITLE --headless --backend URL`` (sign-in, grant, our scheduler and
  remux, libmpv with ``vo=null ao=null``).
* **plain libmpv**: a Python process that creates ``mpv.MPV(vo="null", ao="null")`` and plays the DASH
  manifest URL of a grant to the end (libmpv's own DASH demuxer and cache; the interpreter and
  python-mpv are counted too, ~10 MiB).

Peak RSS (``ru_maxrss``) and CPU time (user + system) come from ``os.wait4`` on each child; CPU is
printed as a share of one core over the child's wall time. Goal: Reelbox ≤ mpv + 40 MiB, CPU ≤ mpv + 3
points. Usage: ``python benchmarks/play_footprint.py [--runs 3] [--data DIR]``
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from startup import EMAIL, PASSWORD, BackendProcess, register_bench_user  # noqa: E402

from player.backend import BackendClient  # noqa: E402

TITLE = "footprint-720"
PLAIN_MPV = """
import sys, threading, mpv
done, ends = threading.Event(), []
player = mpv.MPV(vo="null", ao="null", config=False, ytdl=False, load_scripts=False)
@player.event_callback("end-file")
def _end(event):
    ends.append((event.data.reason, event.data.error))
    done.set()
player.play(sys.argv[1])
done.wait(600)
player.terminate()
sys.exit(0 if ends == [(0, 0)] else f"plain mpv did not play to the end: {ends}")
"""


def ensure_title(data: Path, seconds: int) -> None:
    from backend_stub.encode import make_test_title

    if not (data / "content" / TITLE / "manifest.mpd").exists():
        print(f"encoding {TITLE} ({seconds} s, 720p)...", flush=True)
        make_test_title(data, TITLE, seconds=seconds, heights=(720,))


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run ``command`` to its end: (peak RSS MiB, CPU % of a core, wall s)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        assert proc.stderr is not None
        raise RuntimeError(f"{command[:4]} failed ({proc.returncode}): {proc.stderr.read().decode()[-400:]}")
    return usage.ru_maxrss / 1024.0, 100.0 * (usage.ru_utime + usage.ru_stime) / wall, wall


async def grant(api_url: str, end: str | None = None) -> tuple[str, str]:
    """A playback grant's (DASH manifest URL, session id) for plain mpv; or, with ``end``, that session ended."""
    client = BackendClient(api_url)
    try:
        await client.login(EMAIL, PASSWORD)
        if end is not None:
            await client.end_playback(end)
            return "", end
        info = await client.open_playback(TITLE, fmt="dash")
        return info.manifests[0], info.session_id
    finally:
        await client.aclose()


def measure_mpv(api_url: str, env: dict[str, str]) -> tuple[float, float, float]:
    """Plain libmpv on a grant's URL (the grant is open while it plays: the edge checks it)."""
    url, session_id = asyncio.run(grant(api_url))
    try:
        return measure([sys.executable, "-c", PLAIN_MPV, url], env)
    finally:
        asyncio.run(grant(api_url, end=session_id))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--data", type=Path, help="backend data dir to reuse (the title is encoded if missing)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelbox-footprint-") as tmp:
        data = args.data or Path(tmp)
        ensure_title(data, args.seconds)
        backend = BackendProcess(data)
        try:
            register_bench_user(backend.api_url)
            env = dict(os.environ, REELBOX_HOME=str(Path(tmp) / "client"), REELBOX_EMAIL=EMAIL, REELBOX_PASSWORD=PASSWORD)
            ours = [sys.executable, "-m", "ui", "play", TITLE, "--headless", "--backend", backend.api_url]
            rows: dict[str, list[tuple[float, float, float]]] = {"reelbox": [], "mpv": []}
            for i in range(args.runs):
                rows["reelbox"].append(measure(ours, env))
                rows["mpv"].append(measure_mpv(backend.api_url, env))
                print(f"  run {i + 1}/{args.runs}: " + ", ".join(
                    f"{name} {r[-1][0]:.0f} MiB {r[-1][1]:.1f} % = {r[-1][1] * r[-1][2] / 100:.2f} s of CPU in {r[-1][2]:.0f} s"
                    for name, r in rows.items()) + f" (load {os.getloadavg()[0]:.1f})",
                    flush=True)
        finally:
            backend.stop()
    med = {name: [statistics.median(r[k] for r in runs) for k in range(3)] for name, runs in rows.items()}
    spread = {name: (min(r[0] for r in runs), max(r[0] for r in runs), min(r[1] for r in runs), max(r[1] for r in runs))
              for name, runs in rows.items()}
    print(f"\n{'player':<8} {'peak RSS MiB':>13} {'CPU % core':>11} {'CPU s':>6}   (median of {args.runs}; min–max)")
    for name, (rss, cpu, _) in med.items():
        lo_rss, hi_rss, lo_cpu, hi_cpu = spread[name]
        cpu_s = statistics.median(r[1] * r[2] / 100 for r in rows[name])  # the share is over the child's wall time,
        print(f"{name:<8} {rss:>13.1f} {cpu:>11.1f} {cpu_s:>6.2f}   "  # which includes Reelbox's sign-in and grant
              f"RSS {lo_rss:.0f}–{hi_rss:.0f}, CPU {lo_cpu:.1f}–{hi_cpu:.1f}")
    d_rss, d_cpu = med["reelbox"][0] - med["mpv"][0], med["reelbox"][1] - med["mpv"][1]
    print(f"difference: +{d_rss:.1f} MiB ({'ok' if d_rss <= 40 else 'MISSES'} ≤ +40), "
          f"+{d_cpu:.1f} points of a core ({'ok' if d_cpu <= 3 else 'MISSES'} ≤ +3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

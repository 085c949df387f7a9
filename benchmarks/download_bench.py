"""Download throughput: Reelbox vs yt-dlp, against a capped edge, and the cost of sealing.

    .venv/bin/pip install yt-dlp            # benchmark only, not a project dependency
    .venv/bin/python benchmarks/download_bench.py [--seconds 60] [--cap-kbps 40000] [--keep DIR]

Builds a demo-sized clear title (tens of MB) with the encoder, serves it from a real backend on
127.0.0.1 and prints:
1. the same title from the same edge with 20 ms added latency (edge fault ``latency_ms``): Reelbox
   (4 parallel fetches, sealed store) vs yt-dlp on the same HLS master (best video and best audio
   fetched as two separate formats, no merge) — throughput ratio, goal ≥ 1.5×;
2. Reelbox against the edge capped at a known rate (``rate_kbps``) — achieved / cap, goal ≥ 90 %;
3. the cost of sealing: AES-GCM time over the downloaded bytes, and seal + atomic write + fsync
   time, each as a share of the download's wall time, goal ≤ 5 %.
Wall times include everything each tool does (manifests, sizing probes, process start for yt-dlp).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from backend_stub.config import ApiSettings  # noqa: E402
from backend_stub.server import Backend  # noqa: E402
from downloads import DownloadChoice, DownloadManager, DownloadPaths  # noqa: E402
from downloads.sealing import SegmentSealer  # noqa: E402
from player.backend import BackendClient  # noqa: E402

TITLE = "bench-title"
FAST = ApiSettings(argon2_time_cost=1, argon2_memory_kib=8 * 1024)


def faults(api: str, token: str, body: dict) -> None:
    httpx.post(f"{api}/api/v1/admin/edges/0/faults", json=body, headers={"Authorization": f"Bearer {token}"},
               timeout=10).raise_for_status()


async def reelbox(api: str, home: Path) -> tuple[float, int, float, float, DownloadManager, str]:
    """(wall s, bytes, seal-only s, store s, manager, asset id) for one fresh download.

    ``manager.last_stats`` keeps the transfer phase (first segment request to last slot stored)."""
    shutil.rmtree(home, ignore_errors=True)
    paths = DownloadPaths(data_dir=home / "data", config_dir=home / "config")
    manager = DownloadManager(paths, parallel=4)
    client = BackendClient(api)
    await client.login("demo@reelbox.local", "demo")
    started = time.perf_counter()
    info = await manager.download(client, TITLE, DownloadChoice(subtitles=False))
    wall = time.perf_counter() - started
    await client.aclose()
    stats = manager.last_stats
    assert stats is not None
    # price AES-GCM alone on the very bytes downloaded (opened back from the store)
    store = manager.store(info.asset_id)
    plain = [store.read(s.track_no, s.idx) for s in manager.queue.slots(info.asset_id, "done")]
    sealer = SegmentSealer("bench", os.urandom(32))
    t = time.perf_counter()
    for i, body in enumerate(plain):
        sealer.seal(0, i, body)
    seal_s = time.perf_counter() - t
    return wall, info.bytes_total, seal_s, stats.store_s / max(1, manager.parallel), manager, info.asset_id


def ytdlp(master: str, out: Path) -> tuple[float, int] | str:
    exe = shutil.which("yt-dlp", path=str(Path(sys.executable).parent)) or shutil.which("yt-dlp")
    if exe is None:
        return "yt-dlp is not installed (.venv/bin/pip install yt-dlp)"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    import imageio_ffmpeg

    cmd = [exe, "--no-progress", "--quiet", "--no-warnings", "-f", "bv,ba", "--hls-prefer-native",
           "--ffmpeg-location", imageio_ffmpeg.get_ffmpeg_exe(), "-o", str(out / "%(format_id)s.%(ext)s"), master]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        return f"yt-dlp failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[-400:]}"
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return wall, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="title length (default 60 s)")
    parser.add_argument("--cap-kbps", type=float, default=40_000, help="edge rate cap for part 2 (kbit/s)")
    parser.add_argument("--keep", type=Path, default=None, help="work folder to keep (default: a temp dir)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="reelbox-dlbench-"))
    data = work / "backend"
    if not (data / "content" / TITLE / "master.m3u8").exists():
        from backend_stub.encode import make_test_title

        print(f"encoding a {args.seconds} s title (360p + 720p)...", file=sys.stderr)
        make_test_title(data, TITLE, protected=False, seconds=args.seconds, heights=(360, 720))
    with Backend(data, edges=1, settings=FAST, ingest_worker=False) as backend:
        api = backend.api_url
        token = httpx.post(f"{api}/api/v1/auth/login", json={"email": "demo@reelbox.local", "password": "demo"},
                           timeout=10).json()["access_token"]
        master = httpx.post(f"{api}/api/v1/playback/{TITLE}", json={"format": "hls"},
                            headers={"Authorization": f"Bearer {token}"}, timeout=10).json()["manifests"][0]

        print("\n1. same edge, +20 ms latency")
        faults(api, token, {"latency_ms": 20})
        wall, size, seal_s, store_s, manager, asset = asyncio.run(reelbox(api, work / "home-a"))
        ours = size / wall
        print(f"   reelbox : {size / 1e6:7.2f} MB in {wall:6.2f} s = {ours * 8 / 1e6:7.1f} Mbit/s")
        result = ytdlp(master, work / "ytdlp")
        if isinstance(result, str):
            print(f"   yt-dlp  : {result}")
        else:
            y_wall, y_size = result
            theirs = y_size / y_wall
            print(f"   yt-dlp  : {y_size / 1e6:7.2f} MB in {y_wall:6.2f} s = {theirs * 8 / 1e6:7.1f} Mbit/s")
            print(f"   ratio   : {ours / theirs:.2f}x (goal >= 1.5x)")
        print("\n3. cost of sealing (same run)")
        print(f"   AES-GCM seal only       : {seal_s * 1000:7.1f} ms = {100 * seal_s / wall:5.2f} % of the download (goal <= 5 %)")
        print(f"   seal+write+fsync+rename : {store_s * 1000:7.1f} ms per worker = {100 * store_s / wall:5.2f} % of the download")
        print(f"   AES-GCM rate            : {size / max(seal_s, 1e-9) / 1e6:7.0f} MB/s")
        manager.close()

        print(f"\n2. edge capped at {args.cap_kbps / 1000:.0f} Mbit/s")
        faults(api, token, {"rate_kbps": args.cap_kbps})
        wall, size, *_rest, manager, _ = asyncio.run(reelbox(api, work / "home-b"))
        stats = manager.last_stats
        manager.close()
        achieved = size * 8 / wall / 1000
        print(f"   reelbox, whole command : {size / 1e6:7.2f} MB in {wall:6.2f} s = {achieved / 1000:7.1f} Mbit/s "
              f"= {100 * achieved / args.cap_kbps:5.1f} % of the cap (goal >= 90 %)")
        if stats and stats.started_at is not None and stats.ended_at is not None:
            phase = stats.ended_at - stats.started_at
            rate = stats.bytes * 8 / phase / 1000
            print(f"   reelbox, transfer phase: {stats.bytes / 1e6:7.2f} MB in {phase:6.2f} s = {rate / 1000:7.1f} Mbit/s "
                  f"= {100 * rate / args.cap_kbps:5.1f} % of the cap (setup: manifests, sizing, plan = "
                  f"{wall - phase:.2f} s)")
        faults(api, token, {})
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

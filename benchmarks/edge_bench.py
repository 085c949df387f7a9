"""Edge throughput vs nginx: requests/s and MB/s for 2 s segments from one Reelbox edge (issue 2).

Both servers get the same files (``--files`` random segments of 250 kB-1 MB, the size of 2 s CMAF
segments at 1-4 Mbit/s) from a temporary tree, on loopback, one CPU each: the edge is one Python
process and nginx runs ``worker_processes 1`` (``daemon off``, a temp config, killed by PID at the end).
The load generator is ``wrk`` (C, a separate process, same settings for both: ``--connections``
keep-alive connections rotating through every segment URL via a Lua script). nginx has its access log
off and no token check, so the comparison is conservative for the edge. Runs alternate edge/nginx
``--rounds`` times and the median of each is reported, because the machine is shared; requests per
CPU-second of the server (``/proc`` for nginx, ``process_time`` for the edge) is printed too, as it
depends far less on what else the machine is doing.

Usage: ``python benchmarks/edge_bench.py [--seconds 5] [--connections 8] [--rounds 3]``
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend_stub.edge import EdgeServer  # noqa: E402
from backend_stub.edge.signing import sign_token  # noqa: E402

TITLE = "bench"
SECRET = b"bench-secret"
NGINX = "/usr/sbin/nginx"

LUA = """
paths = {}
for line in io.lines("%(list)s") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %%d, "bytes": %%d, "duration_us": %%d, "errors": %%d, "p50_ms": %%.3f, "p99_ms": %%.3f}\\n',
    summary.requests, summary.bytes, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""

NGINX_CONF = """
daemon off;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %(dir)s/tmp;
  proxy_temp_path %(dir)s/tmp;
  fastcgi_temp_path %(dir)s/tmp;
  uwsgi_temp_path %(dir)s/tmp;
  scgi_temp_path %(dir)s/tmp;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  types { video/iso.segment m4s; }
  server {
    listen 127.0.0.1:%(port)d;
    root %(root)s;
    location / { }
  }
}
"""


@dataclass(frozen=True, kw_only=True)
class Result:
    """One wrk run."""

    requests: int
    bytes: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    cpu_s: float = 0.0  # server CPU time during the run

    @property
    def requests_per_cpu_s(self) -> float:
        return self.requests / self.cpu_s if self.cpu_s else float("nan")

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def mbps(self) -> float:
        return self.bytes / self.seconds / 1e6


def make_segments(root: Path, count: int, seed: int) -> list[str]:
    """``count`` random segment files of 250 kB-1 MB; returns their paths relative to the title."""
    rng = random.Random(seed)
    folder = root / TITLE / "v0"
    folder.mkdir(parents=True)
    names = []
    for i in range(count):
        size = rng.randint(250_000, 1_000_000)
        (folder / f"seg_{i:03d}.m4s").write_bytes(rng.randbytes(size))
        names.append(f"v0/seg_{i:03d}.m4s")
    return names


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_wrk(url: str, paths: list[str], workdir: Path, seconds: int, connections: int) -> Result:
    """Run wrk against ``url`` rotating through ``paths``; parse the Lua summary line."""
    listing = workdir / f"paths-{abs(hash(url))}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = workdir / "rotate.lua"
    script.write_text(LUA % {"list": listing})
    proc = await asyncio.create_subprocess_exec(
        "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script), url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    for line in out.decode().splitlines():
        if line.startswith("RESULT "):
            d = json.loads(line[7:])
            return Result(requests=d["requests"], bytes=d["bytes"], seconds=d["duration_us"] / 1e6,
                          errors=d["errors"], p50_ms=d["p50_ms"], p99_ms=d["p99_ms"])
    raise RuntimeError(f"wrk gave no result: {out.decode()[-500:]} {err.decode()[-500:]}")


def nginx_cpu_seconds(master_pid: int) -> float:
    """user+system CPU of nginx's master and workers, from /proc (clock ticks -> seconds)."""
    pids = [master_pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]
    except OSError:
        pass
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def start_nginx(root: Path, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """nginx in the foreground on a free loopback port; returns the process and the port."""
    port = free_port()
    (workdir / "tmp").mkdir(exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF % {"dir": workdir, "port": port, "root": root})
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {proc.stderr.read().decode()[-500:] if proc.stderr else ''}") from None
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("nginx did not start listening")


async def bench(args: argparse.Namespace) -> int:
    for tool in ("wrk", NGINX):
        if shutil.which(tool) is None:
            print(f"error: {tool} not found (Debian packages wrk and nginx-light; `make install` adds them)", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory(prefix="edge-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # nginx workers drop root privileges and must read the files
        root = work / "content"
        names = make_segments(root, args.files, args.seed)
        total = sum((root / TITLE / n).stat().st_size for n in names)
        print(f"{len(names)} segments, mean {total / len(names) / 1000:.0f} kB; wrk -t1 -c{args.connections} "
              f"-d{args.seconds}s, {args.rounds} rounds (median)")
        edge = EdgeServer(root, SECRET)
        await edge.start()
        nginx, nginx_port = start_nginx(root, work)
        try:
            token = sign_token(SECRET, TITLE, int(time.time()) + 3600)
            edge_paths = [f"/c/{token}/{TITLE}/{n}" for n in names]
            nginx_paths = [f"/{TITLE}/{n}" for n in names]
            await run_wrk(edge.url, edge_paths, work, 1, args.connections)  # warm-up (page cache, JIT-less but fair)
            await run_wrk(f"http://127.0.0.1:{nginx_port}", nginx_paths, work, 1, args.connections)
            runs: dict[str, list[Result]] = {"edge": [], "nginx": []}
            for _ in range(args.rounds):
                edge.access_log.clear()
                cpu0 = time.process_time()
                r = await run_wrk(edge.url, edge_paths, work, args.seconds, args.connections)
                runs["edge"].append(dataclasses.replace(r, cpu_s=time.process_time() - cpu0))
                cpu0 = nginx_cpu_seconds(nginx.pid)
                r = await run_wrk(f"http://127.0.0.1:{nginx_port}", nginx_paths, work, args.seconds, args.connections)
                runs["nginx"].append(dataclasses.replace(r, cpu_s=nginx_cpu_seconds(nginx.pid) - cpu0))
            logged = edge.access_log.summary()
        finally:
            await edge.stop()
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=5)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
    med = {}
    for name, results in runs.items():
        rps = statistics.median(r.rps for r in results)
        mbps = statistics.median(r.mbps for r in results)
        per_cpu = statistics.median(r.requests_per_cpu_s for r in results)
        errors = sum(r.errors for r in results)
        p99 = statistics.median(r.p99_ms for r in results)
        med[name] = (rps, mbps, per_cpu)
        each = ", ".join(f"{r.rps:.0f}" for r in results)
        print(f"{name:6s} {rps:8.0f} req/s  {mbps:8.1f} MB/s  {per_cpu:7.0f} req/CPU-s  p99 {p99:6.1f} ms  "
              f"errors {errors}  (runs: {each} req/s)")
    e, n = med["edge"], med["nginx"]
    print(f"ratio edge/nginx: {e[0] / n[0]:.2f}x req/s, {e[1] / n[1]:.2f}x MB/s, {e[2] / n[2]:.2f}x req per CPU-second")
    print(f"edge access log (last round): {logged['requests']} requests, statuses {logged['statuses']}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    return asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())

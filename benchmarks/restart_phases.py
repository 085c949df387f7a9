"""Where a restart's time goes inside libmpv (issue 19): a playing ``MpvOutput`` restarted at a segment start
(or inside its GOP: ``--at 11`` opens with mpv's start seek, as ``MuxFeed`` asks for it).

No network and no scheduler: ``startup.py``'s clear title is read from disk, its first segment plays,
then ``--runs`` times the output restarts at ``--at`` (a segment start: its keyframe is the first frame)
with that segment and the audio around it remuxed — after the ``loadfile``, as a seek does, or before it
(``--data-first``). libmpv's own ``log-file`` times the phases: ``loadfile`` → ``Opening done`` (the probe
has our first bytes) → track selection → ``playback restart complete``; ``restart()`` → ``FirstFrame``
is what a viewer waits. ``--pause-first MS`` pauses the playing file that long before the restart: the
gap between ``Opening done`` and track selection is libmpv's core waiting for its video output to show
the frame it holds (README, "Where seek time went").

Usage: ``python benchmarks/restart_phases.py [--runs 9] [--at 10] [--pause-first MS] [--data-first] [--data DIR]``
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from startup import CLEAR, ensure_titles  # noqa: E402

from player.feed.events import FirstFrame  # noqa: E402
from player.feed.mpv_output import MpvOutput  # noqa: E402
from player.feed.mux_feed import START_SEEK_MARGIN_S  # noqa: E402
from player.feed.remux import Remuxer  # noqa: E402

SEGMENT_S = 2.0
PHASES = (("loadfile", "Run command: loadfile"), ("open", "Opening done"), ("select", "select track 0"),
          ("restart", "playback restart complete"))


def remuxed(title: Path, at_s: float) -> bytes:
    """The video segment starting at ``at_s`` (480p) and the two audio segments around it, remuxed."""
    index = int(at_s // SEGMENT_S) + 1
    remuxer = Remuxer()
    for kind, folder, n in (("video", "v480", index), ("audio", "a_en", index), ("audio", "a_en", index + 1)):
        init, body = (title / folder / "init.mp4").read_bytes(), (title / folder / f"{n}.m4s").read_bytes()
        remuxer.add_segment(kind, init, body, rendition_id=folder, start_s=(n - 1) * SEGMENT_S)
    return remuxer.read()


def phases(log: Path) -> list[dict[str, float]]:
    """Per ``loadfile`` after the first: the libmpv log time (s) of each phase."""
    files: list[dict[str, float]] = []
    for line in log.read_text(errors="replace").splitlines():
        stamp = re.match(r"\[\s*([\d.]+)\]", line)
        for name, text in PHASES:
            if stamp and text in line and (name == "loadfile" or (files and name not in files[-1])):
                if name == "loadfile":
                    files.append({})
                files[-1][name] = float(stamp.group(1))
    return [f for f in files[1:] if len(f) == len(PHASES)]


def run(title: Path, log: Path, *, runs: int, at_s: float, pause_first_s: float, data_first: bool,
        extra: dict[str, str] | None = None) -> list[float]:
    """``restart()`` → first frame (ms) of each restart; libmpv's log goes to ``log``."""
    waits = []
    with MpvOutput(readahead_s=4.0, options={"log_file": str(log), "msg_level": "all=debug", **(extra or {})}) as output:
        output.start(0.0)
        output.push(remuxed(title, 0.0))
        if output.wait_for(lambda e: isinstance(e, FirstFrame), 10) is None:
            raise SystemExit("the first file showed no frame")
        for _ in range(runs):
            time.sleep(0.3)  # playing, as before a viewer's seek
            if pause_first_s > 0:
                output.pause(True)  # the viewer's pause: the new file stays paused after its first frame
                time.sleep(pause_first_s)
            data = remuxed(title, at_s) if data_first else b""
            t0 = time.monotonic()
            generation = output.restart(at_s)
            data = data or remuxed(title, at_s)
            if at_s % SEGMENT_S >= START_SEEK_MARGIN_S:  # inside the GOP: mpv's start seek, as MuxFeed asks for it
                output.seek_at_open()
            output.push(data)
            frame = output.wait_for(lambda e, g=generation: isinstance(e, FirstFrame) and e.generation == g, 10)
            if frame is None:
                raise SystemExit(f"the restart at {at_s} s showed no frame")
            waits.append((frame.at - t0) * 1000.0)
            output.pause(False)
    return waits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--at", type=float, default=10.0, help="a segment start (its keyframe is the first frame)")
    parser.add_argument("--pause-first", type=float, default=0.0, metavar="MS")
    parser.add_argument("--data-first", action="store_true", help="remux before the restart (bytes ready at once)")
    parser.add_argument("--mpv-option", action="append", default=[], metavar="NAME=VALUE",
                        help="a libmpv option for the output (e.g. video_timing_offset=0)")
    parser.add_argument("--data", type=Path, help="startup.py's backend data dir (titles encoded if missing)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelbox-restart-") as tmp:
        data = args.data or Path(tmp)
        ensure_titles(data, 20)
        log = Path(tmp) / "mpv.log"
        waits = run(data / "content" / CLEAR, log, runs=args.runs, at_s=args.at,
                    pause_first_s=args.pause_first / 1000.0, data_first=args.data_first,
                    extra=dict(o.split("=", 1) for o in args.mpv_option))
        files = phases(log)
    print(f"restart() → first frame: median {statistics.median(waits):.1f} ms over {len(waits)} restarts")
    spans = {f"{a} → {b}": statistics.median((f[b] - f[a]) * 1000.0 for f in files)
             for a, b in (("loadfile", "open"), ("open", "select"), ("select", "restart"), ("loadfile", "restart"))}
    print("libmpv (log, median ms): " + ", ".join(f"{span} {ms:.0f}" for span, ms in spans.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Every kind of the format corpus played by Reelbox and by plain libmpv on the same URL (issue 14).

The corpus (``tests/formats/corpus.py``: ffmpeg 9 + Shaka Packager, 6-8 s each) is built into
``--data`` (kept between runs) and served by a Range-capable loopback server with a ClearKey licence
endpoint. Each kind is played:
- by Reelbox: ``reelbox play URL --headless --report FILE`` (with ``--key KID:KEY`` where the
  manifest names no licence server), in its own process, as a user would;
- by plain libmpv (python-mpv, ``vo=null ao=null``, mpv's own HLS/DASH demuxers; the content key
  given as ``demuxer-lavf-o=cenc_decryption_key`` where one is needed).
One row per kind: played / duration, decoder errors, time to the first frame, wall time (Reelbox's
includes starting its process, ~1 s of imports here), and the error if any. The table is
printed as Markdown (it is the README's table of supported formats) and written as JSON with ``--json``.

Usage: ``.venv/bin/python benchmarks/format_matrix.py [--data DIR] [--kinds a,b] [--json FILE]``
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "formats"))

import corpus  # noqa: E402
from corpus_server import serve_corpus  # noqa: E402

_DECODER_COMPONENTS = ("ffmpeg/video", "ffmpeg/audio", "vd", "ad")


def track_choice(kind: corpus.Kind) -> tuple[str | None, str | None]:
    """A kind with several audio languages or subtitles is played with the last language and, of the
    subtitles, the TTML one if any (the path FFmpeg cannot take): (audio, subtitles)."""
    audio = kind.audio_languages[-1] if kind.audio_languages else None
    texts = sorted(kind.subtitles, key=lambda s: s[1] != "ttml")
    return audio, texts[0][0] if texts else None


def play_reelbox(url: str, kind: corpus.Kind, out: Path) -> dict[str, Any]:
    """One ``reelbox play`` process; its report, exit status and stderr's last line."""
    report = out / f"{kind.name}.json"
    cmd = [sys.executable, "-m", "ui", "play", url, "--headless", "--report", str(report)]
    audio, subtitles = track_choice(kind)
    cmd += ["--audio", audio] if audio else []
    cmd += ["--subtitles", subtitles] if subtitles else []
    if kind.needs_key and not kind.licence_in_manifest:
        cmd += ["--key", f"{corpus.KID.hex()}:{corpus.KEY.hex()}"]
    started = time.monotonic()
    # its own state dir: a benchmark run must not leave a carried estimate in the user's
    env = dict(os.environ, REELBOX_HOME=str(out / "home"))
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    wall = time.monotonic() - started
    data: dict[str, Any] = json.loads(report.read_text()) if report.exists() else {}
    error = proc.stderr.strip().splitlines()[-1] if proc.returncode else None
    return {"played_s": data.get("played_s") or 0.0, "decoder_errors": data.get("decoder_errors"),
            "wall_s": wall, "exit": proc.returncode, "error": error, "complete": data.get("complete"),
            "startup_ms": data.get("startup_ms"), "tracks": _tracks(data.get("tracks") or [])}


def _tracks(tracks: list[dict[str, Any]]) -> str:
    """``h264 aac/de ttml/fr``: the codecs (and languages) the report says were played."""
    return " ".join(t["codec"] + (f"/{t['language']}" if t.get("language") else "") for t in tracks)


def play_libmpv(url: str, kind: corpus.Kind) -> dict[str, Any]:
    """Plain libmpv on the same URL: how far time-pos got, decoder warnings/errors, the end reason."""
    import mpv

    problems = 0
    last: list[float] = [0.0]

    def on_log(level: str, component: str, text: str) -> None:
        nonlocal problems
        if level in ("error", "warn") and component in _DECODER_COMPONENTS:
            problems += 1

    options: dict[str, Any] = {"vo": "null", "ao": "null", "ytdl": False, "load_scripts": False}
    if kind.needs_key:
        options["demuxer_lavf_o"] = f"cenc_decryption_key={corpus.KEY.hex()}"
    audio, subtitles = track_choice(kind)
    options.update({"alang": audio} if audio else {})
    options.update({"slang": subtitles} if subtitles else {})
    player = mpv.MPV(log_handler=on_log, loglevel="warn", **options)
    ended = threading.Event()
    reason: list[str] = []

    @player.event_callback("end-file")
    def _end(event: Any) -> None:
        reason.append(str(event.data.reason) if hasattr(event, "data") else "end")
        ended.set()

    first_frame: list[float] = []

    @player.event_callback("playback-restart")
    def _restart(_event: Any) -> None:
        if not first_frame:
            first_frame.append(time.monotonic())

    selected: list[str] = []

    @player.property_observer("track-list")
    def _tracks_seen(_name: str, value: list[dict[str, Any]] | None) -> None:
        chosen = [t.get("codec", "?") + (f"/{t['lang']}" if t.get("lang") else "") for t in value or () if t.get("selected")]
        if chosen:  # the list of the file while it plays (it empties when the file ends)
            selected[:] = chosen

    @player.property_observer("time-pos")
    def _pos(_name: str, value: float | None) -> None:
        if value is not None:
            last[0] = max(last[0], value)

    started = time.monotonic()
    player.play(url)
    ended.wait(kind.duration_s * 3 + 20)
    wall = time.monotonic() - started
    player.terminate()
    startup = (first_frame[0] - started) * 1000 if first_frame else None
    return {"played_s": last[0], "decoder_errors": problems, "wall_s": wall, "error": None if reason else "timeout",
            "startup_ms": startup, "tracks": " ".join(selected)}


def _cell(result: dict[str, Any], duration: float) -> str:
    played = f"{result['played_s']:.1f}/{duration:.0f} s"
    errors = result["decoder_errors"]
    tail = f", {result['error']}" if result.get("error") else ""
    startup = f"{result['startup_ms']:.0f} ms" if result.get("startup_ms") is not None else "–"
    tracks = f", {result['tracks']}" if result.get("tracks") else ""
    return (f"{played}, {errors if errors is not None else '–'} dec. err, first frame {startup}, "
            f"{result['wall_s']:.1f} s{tracks}{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="corpus folder (built if missing; default: a temporary one)")
    parser.add_argument("--kinds", default=None, help="comma-separated kind names (default: all)")
    parser.add_argument("--json", default=None, help="write the rows as JSON here")
    args = parser.parse_args()
    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="format-corpus-"))
    started = time.monotonic()
    kinds = corpus.build(data, args.kinds.split(",") if args.kinds else None)
    print(f"corpus: {len(kinds)} kinds in {data} ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    rows = []
    with serve_corpus(data) as base, tempfile.TemporaryDirectory() as reports:
        for kind in kinds.values():
            url = f"{base}/{kind.manifest}"
            ours = play_reelbox(url, kind, Path(reports))
            theirs = play_libmpv(url, kind)
            rows.append({"kind": kind.name, "duration_s": kind.duration_s, "expect_error": kind.expect_error,
                         "reelbox": ours, "libmpv": theirs})
            print(f"{kind.name}: reelbox {_cell(ours, kind.duration_s)} | libmpv {_cell(theirs, kind.duration_s)}",
                  file=sys.stderr)
    print("| kind | Reelbox (played, decoder errors, first frame, wall) | plain libmpv |")
    print("| --- | --- | --- |")
    for row in rows:
        print(f"| {row['kind']} | {_cell(row['reelbox'], row['duration_s'])} | {_cell(row['libmpv'], row['duration_s'])} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

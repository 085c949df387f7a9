"""The `reelbox` command line (DESIGN.md contract): demo, backend, play, download(s), abr-bench, ui.

Exit status: 0 on success, 2 on bad usage (argparse), 1 on a failure with one ``error: ...`` line on
stderr (a traceback only with ``--debug``).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any


def _finite(text: str, unit: str) -> float:
    """A number option: finite, else argparse's exit 2 (``nan`` and ``inf`` parse as floats)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of {unit}: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{unit} must be a finite number, not {text}")
    return value


def _number_of(unit: str, *, above_zero: bool = False) -> Callable[[str], float]:
    """An option's type: a finite number of ``unit``, 0 or more (more than 0 with ``above_zero``), else argparse's
    exit 2."""
    def parse(text: str) -> float:
        value = _finite(text, unit)
        if value < 0 or (above_zero and value == 0):
            raise argparse.ArgumentTypeError(f"{unit} must be {'more than 0' if above_zero else '0 or more'}, not {text}")
        return value
    return parse


seconds = _number_of("seconds")  # a position or a duration
buffer_seconds = _number_of("seconds", above_zero=True)  # --buffer: a buffer of 0 s holds nothing
milliseconds = _number_of("milliseconds")  # --latency


def rendition_number(text: str) -> int:
    """``--rendition``: an index into the ladder, 0 the lowest; one past its top is named once the title is known."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rendition number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"renditions count from 0 (the lowest), not {text}")
    return value


def start_seconds(text: str) -> float:
    """``--start``: a finite number of seconds; negative counts back from a live stream's edge (Shaka Player's
    ``load(uri, startTime)``), which the play checks once it knows the stream (argparse's exit 2 otherwise)."""
    return _finite(text, "seconds")


def file_to_write(text: str) -> str:
    """An option naming a file the command writes once its work is done (``--report``, ``--requests-csv``,
    ``abr-bench --json``): its folder must exist and take files, checked before anything is fetched or run,
    so a typo is bad usage (argparse's exit 2) rather than a failure at the end that loses the results."""
    folder = os.path.dirname(text) or "."
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"cannot write {text}: it is a folder")
    if not os.path.isdir(folder):
        why = "is a file, not a folder" if os.path.exists(folder) else "does not exist"
        raise argparse.ArgumentTypeError(f"cannot write {text}: the folder {folder} {why}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write {text}: the folder {folder} is not writable")
    return text


#: ``player.net.CmcdMode``'s values, spelt out: the parser is built without the HTTP stack (issue 19)
CMCD_MODES = ("query", "headers", "off")


def add_playback_arguments(p: argparse.ArgumentParser) -> None:
    """Options every playing command takes (``play``, ``downloads play``)."""
    add = p.add_argument
    add("--headless", action="store_true", help="no window, no sound (real decoding)")
    add("--report", type=file_to_write, default=None, metavar="FILE",
        help="write the QoE report (JSON, or HTML for .html)")
    add("--requests-csv", type=file_to_write, default=None, metavar="FILE",
        help="per-request log as CSV (default: beside --report)")
    add("--abr", default=None, metavar="NAME", help="ABR algorithm (default: reelbox-r2; round one is reelbox)")
    add("--start", type=start_seconds, default=None, metavar="S", help="start position in seconds (default 0; live: "
        "the hold-back point, a negative S is S seconds behind the live edge, else a position on the live timeline; "
        "one outside the DVR window is an error)")
    add("--until", type=seconds, default=None, metavar="S", help="stop at this position (live: S seconds after "
        "the join, so --until 60 plays a minute of a channel)")
    add("--rendition", type=rendition_number, default=None, metavar="N", help="QA: pin video rung N (0 = lowest)")
    add("--buffer", type=buffer_seconds, default=30.0, metavar="S", help="buffer capacity in seconds")
    add("--key", action="append", default=[], metavar="KID:KEY", help="content key for a protected URL (hex; repeatable)")
    add("--license-url", default=None, metavar="URL", help="W3C ClearKey licence server for a protected URL")
    add("--audio", default=None, metavar="LANG|NAME", help="audio track by language (en, de-AT) or name "
        "(default: the first); one the title lacks is an error listing what it has (exit 2)")
    add("--subtitles", default=None, metavar="LANG|NAME", help="show the subtitle track in this language or of this "
        "name (WebVTT, TTML/IMSC); default: none")
    add("--sync", action="store_true", help="report progress and telemetry to the backend (default: off, so "
        "test plays leave the viewer's Continue watching alone; offline, it is queued)")


def _cmd_backend(args: argparse.Namespace) -> int:
    from ui.bundled_backend import backend_module

    return int(backend_module("server").serve_forever(host=args.host, port=args.port, edges=args.edges, data_dir=args.data))


def _cmd_abr_bench(args: argparse.Namespace) -> int:
    from abr.bench import run_cli

    return run_cli(args.trace_dirs, algorithms=args.algorithms, ladder=args.ladder, json_path=args.json,
                   buffer_s=args.buffer, latency_ms=args.latency)


def _cmd_play(args: argparse.Namespace) -> int:
    from ui.play import play_target

    return _play_and_report(args, play_target)


def _play_and_report(args: argparse.Namespace, play: Callable[[argparse.Namespace], Any]) -> int:
    """Run a playing command; write its report (JSON or HTML) and request CSV even when it failed."""
    import asyncio
    import json

    from ui.play import PlayFailed, csv_beside, summary_lines, write_requests_csv

    failure: PlayFailed | None = None
    try:
        report = asyncio.run(play(args))
    except PlayFailed as exc:  # QA: the report of a failed session is written too, then the error surfaces
        failure, report = exc, exc.report
    text = json.dumps(report, indent=2)
    if args.report:
        if args.report.endswith(".html"):
            from ui.report_html import write_html_report

            write_html_report(report, args.report)
        else:
            with open(args.report, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
    csv_path = args.requests_csv or (csv_beside(args.report) if args.report else None)
    if csv_path:
        write_requests_csv(report, csv_path)
    if failure is not None:
        raise failure
    print("\n".join(summary_lines(report)))
    return 0


def _cmd_qa(args: argparse.Namespace) -> int:
    if args.example:
        from ui.qa_matrix import EXAMPLE

        print(EXAMPLE, end="")
        return 0
    if not args.matrix:
        print("usage: reelbox qa MATRIX.toml [--out DIR] (or --example)", file=sys.stderr)
        return 2
    from ui.qa import run_cli

    return run_cli(args.matrix, out_dir=args.out, jobs=args.jobs, backend=args.backend)


def _cmd_ui(args: argparse.Namespace) -> int:
    from ui.app.main import run_ui

    return run_ui(args)


def _cmd_kiosk_pin(args: argparse.Namespace) -> int:
    """Store the kiosk PIN's hash in config.toml (provisioning; the PIN itself is never written)."""
    import getpass
    from dataclasses import replace

    from ui.app.config import load_config, save_config
    from ui.app.pin import hash_pin

    pin = getpass.getpass("Kiosk PIN: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    save_config(replace(load_config(), kiosk_pin_hash=hash_pin(pin)))
    print("kiosk PIN set (stored as a salted scrypt hash)")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from ui.app.main import run_demo

    return run_demo(args)


def _cmd_download(args: argparse.Namespace) -> int:
    from downloads.cli import run_download

    return run_download(args)


def _cmd_downloads(args: argparse.Namespace) -> int:
    if args.action == "play" and args.id:
        from ui.play import play_download

        return _play_and_report(args, play_download)
    from downloads.cli import run_downloads

    return run_downloads(args)


class _QaHelp(argparse.RawDescriptionHelpFormatter):
    """``qa --help`` ends with the example matrix, read only when help is printed (not on every command's start)."""

    def add_text(self, text: str | None) -> None:
        if text == _QA_EPILOG:
            from ui.qa_matrix import EXAMPLE

            text += EXAMPLE
        super().add_text(text)


_QA_EPILOG = ("A runnable matrix file (`reelbox qa --example > smoke.toml`); every key is described in the README:\n\n")


def build_parser() -> argparse.ArgumentParser:
    from player.backend.address import ACCOUNT_HELP, BACKEND_HELP

    parser = argparse.ArgumentParser(prog="reelbox", description="Reelbox video player and download client",
                                     epilog=ACCOUNT_HELP)
    parser.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    parser.add_argument("--version", action="version", version="reelbox 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="start the bundled backend and open the app signed in as the demo user")
    p.add_argument("--port", type=int, default=8700, help="API port (edges on the next ports; 0 = any free port)")
    p.add_argument("--data", default=None, help="backend data directory (default: under REELBOX_HOME)")
    p.add_argument("--tv", action="store_true", help="open in TV (10-foot) mode")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("ui", help="the app against a configured backend")
    p.add_argument("--tv", action="store_true", help="10-foot layout driven by arrows/Enter/Back")
    p.add_argument("--kiosk", action="store_true", help="fullscreen kiosk mode (quit needs the configured PIN)")
    p.add_argument("--backend", default=None, metavar="URL", help=BACKEND_HELP)
    p.set_defaults(func=_cmd_ui)

    p = sub.add_parser("kiosk-pin", help="set the PIN that leaves kiosk mode (read from stdin; stored hashed)")
    p.set_defaults(func=_cmd_kiosk_pin)

    from downloads.cli import add_download_arguments, add_downloads_arguments

    p = sub.add_parser("download", help="download a title for offline playback")
    add_download_arguments(p)
    p.set_defaults(func=_cmd_download)

    p = sub.add_parser("downloads", help="list, play, renew or delete downloads")
    add_downloads_arguments(p, play=True)
    add_playback_arguments(p)
    p.set_defaults(func=_cmd_downloads)

    p = sub.add_parser("backend", help="run the bundled backend (API + segment edges)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700)
    p.add_argument("--edges", type=int, default=2)
    p.add_argument("--data", default=None, help="data directory (default: under REELBOX_HOME)")
    p.set_defaults(func=_cmd_backend)

    p = sub.add_parser("play", help="play a catalog title or an .m3u8/.mpd URL")
    p.add_argument("target", metavar="TARGET", help="catalog title id, or a .m3u8/.mpd URL")
    add_playback_arguments(p)
    p.add_argument("--resume", action="store_true", help="start where the viewer stopped (default: at 0 or --start)")
    p.add_argument("--cmcd", choices=CMCD_MODES, default=None, help="how segment requests carry CMCD (CTA-5004): "
                   "in the query, in headers (for a CDN whose cache key includes the query) or not at all (default: "
                   "cmcd in config.toml's [app], else query); an offline play (downloads play) sends none")
    p.add_argument("--backend", default=None, metavar="URL", help=BACKEND_HELP)
    p.add_argument("--format", dest="fmt", choices=("dash", "hls"), default="dash", help="manifest format for catalog titles")
    p.add_argument("--cdn", default=None, metavar="N|HOST", help="QA: pin CDN N, or the CDN on HOST[:PORT] (no failover)")
    p.add_argument("--trace", default=None, metavar="FILE", help="QA: shape reads to a throughput trace (Pensieve text or Sabre JSON)")
    p.add_argument("--latency", type=milliseconds, default=None, metavar="MS", help="QA: extra latency before each response")
    p.add_argument("--live", choices=("auto", "low", "standard"), default="auto",
                   help="live streams: low latency (LL-HLS parts, LL-DASH chunks) or standard (default: low when offered)")
    p.add_argument("--loss-every", type=int, default=None, metavar="N", help="QA: drop the connection of every N-th request")
    p.add_argument("--cold-start", action="store_true", help="QA: no throughput estimate carried from earlier plays "
                   "on this host (start as the first play), and none kept for later ones")
    p.set_defaults(func=_cmd_play)

    p = sub.add_parser(
        "qa", help="QA: run a matrix of targets x traces x faults headless; exit 1 when a cell fails",
        formatter_class=_QaHelp,
        description="Run every (target, trace, fault) cell of MATRIX.toml as a headless `reelbox play`, judge each "
                    "against the thresholds, write summary.json/summary.html (each failed cell with its cause) "
                    "and per-cell reports to --out; exit 1 when a cell failed.",
        epilog=_QA_EPILOG,
    )
    p.add_argument("matrix", metavar="MATRIX.toml", nargs="?")
    p.add_argument("--out", default=None, metavar="DIR", help="where the summary and per-cell reports go (default: qa-out)")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="sessions at once (default: by CPU count, at most 2 on 2 cores)")
    p.add_argument("--backend", default=None, metavar="URL", help="backend API URL instead of the file's [qa] backend")
    p.add_argument("--example", action="store_true", help="print the example matrix file and exit")
    p.set_defaults(func=_cmd_qa)

    p = sub.add_parser("abr-bench", help="run the ABR simulator over trace folders")
    p.add_argument("trace_dirs", nargs="+", metavar="TRACE_DIR")
    p.add_argument("--algorithms", default=None, help="comma-separated algorithm names")
    p.add_argument("--ladder", default=None,
                   help="ladder JSON (Sabre movie format; default: ladders/netflix10_4s_cbr.json beside the traces, "
                        "else the same ladder built in)")
    p.add_argument("--buffer", type=buffer_seconds, default=None, metavar="S", help="buffer capacity in seconds (default 25)")
    p.add_argument("--latency", type=milliseconds, default=None, metavar="MS",
                   help="first-byte latency of every request in ms (default: the trace's own, 80 for Pensieve text)")
    p.add_argument("--json", type=file_to_write, default=None, metavar="FILE", help="write results as JSON to this file")
    p.set_defaults(func=_cmd_abr_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # this process is the command (the console script, ``python -m ui``)
        from ui.lean_process import leave_out_unused_modules, return_freed_memory
        from ui.quiet_libraries import quiet_native_libraries

        command = next((a for a in sys.argv[1:] if not a.startswith("-")), "")
        return_freed_memory()
        if command in ("play", "ui", "demo", "downloads"):  # the commands that may open a sound output
            quiet_native_libraries()
        leave_out_unused_modules(command)
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "until", None) is not None and args.until <= 0:
        # nothing to play: libmpv would be handed an empty stream and fail with a misleading sentence (one at or
        # before --start is known once the title is: a live --until counts from the start, UntilNotAfterStart)
        parser.error(f"--until {args.until:g} must be after the start")
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the one place every failure becomes a sentence
        if args.debug:
            raise
        print(f"error: {describe(exc)}", file=sys.stderr)
        return 2 if _usage_error(exc) else 1


def _usage_error(exc: BaseException) -> bool:
    """A track or rung the title lacks (``--audio``/``--subtitles``/``--rendition``), a negative ``--start`` on a title
    that is not live, ``--until`` at or before the start of one, or a ``--key`` that is not KID:KEY is bad usage, as
    argparse's errors are: exit 2."""
    from player.errors import NegativeStartNotLive, TrackNotFound, UntilNotAfterStart
    from player.outside_keys import BadKeyOption

    usage = (TrackNotFound, NegativeStartNotLive, UntilNotAfterStart, BadKeyOption)
    return any(isinstance(e, usage) for e in (exc, exc.__cause__))


def describe(exc: BaseException) -> str:
    """The one-line error: the app's sentence for engine/backend errors (player.sentences), with the detail."""
    from player.sentences import sentence

    play = sys.modules.get("ui.play")  # a PlayFailed exists only once `play` has imported it
    cause = exc.__cause__ if play is not None and isinstance(exc, play.PlayFailed) and exc.__cause__ else exc
    text = sentence(cause)
    detail = str(cause) or type(cause).__name__
    return f"{text} ({detail})" if text else detail


if __name__ == "__main__":
    raise SystemExit(main())

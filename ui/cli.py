"""The `reelbox` command line (DESIGN.md contract): demo, backend, play, download(s), abr-bench, ui.

Exit status: 0 on success, 2 on bad usage (argparse), 1 on a failure with one ``error: ...`` line on
stderr (a traceback only with ``--debug``).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence


def _cmd_backend(args: argparse.Namespace) -> int:
    from backend_stub.server import serve_forever

    return serve_forever(host=args.host, port=args.port, edges=args.edges, data_dir=args.data)


def _cmd_abr_bench(args: argparse.Namespace) -> int:
    from abr.bench import run_cli

    return run_cli(args.trace_dirs, algorithms=args.algorithms, ladder=args.ladder, json_path=args.json)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reelbox", description="Reelbox video player and download client")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    parser.add_argument("--version", action="version", version="reelbox 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("backend", help="run the bundled backend (API + segment edges)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700)
    p.add_argument("--edges", type=int, default=2)
    p.add_argument("--data", default=None, help="data directory (default: under REELBOX_HOME)")
    p.set_defaults(func=_cmd_backend)

    p = sub.add_parser("abr-bench", help="run the ABR simulator over trace folders")
    p.add_argument("trace_dirs", nargs="+", metavar="TRACE_DIR")
    p.add_argument("--algorithms", default=None, help="comma-separated algorithm names")
    p.add_argument("--ladder", default=None, help="ladder JSON (Sabre movie format)")
    p.add_argument("--json", default=None, help="write results as JSON to this file")
    p.set_defaults(func=_cmd_abr_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the one place every failure becomes a sentence
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

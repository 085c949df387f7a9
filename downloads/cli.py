"""``reelbox download`` and ``reelbox downloads list|renew|delete|verify`` (DESIGN.md command line).

The lead's ``ui/cli.py`` owns the ``reelbox`` parser and calls :func:`run_download` /
:func:`run_downloads` with its argparse namespace; :func:`add_download_arguments` and
:func:`add_downloads_arguments` declare what they read. ``python -m downloads`` runs the same
commands on its own (tests run the downloader as a subprocess that way). ``downloads play`` is not
here: there is one offline player, ``ui.play.play_download`` (the playback options of ``play``, the
report, the exit status of a short play), and ``downloads`` may not import ``ui`` (DESIGN.md rooms).

Exit status: 0 success, 1 a failure with one ``error: ...`` line on stderr (each error class maps to
one sentence; ``--debug`` shows the traceback), 2 bad usage.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, TextIO

from downloads.download_info import DownloadInfo
from downloads.errors import (
    AssetIncomplete,
    AssetNotFound,
    Cancelled,
    DiskFull,
    DownloadError,
    FetchFailed,
    LicenceUnusable,
    NotEnoughSpace,
    OtherQualityStored,
    PlanError,
    PlaybackLocked,
    SealError,
    TitleExpired,
)
from downloads.progress_bar import TerminalBar
from player.backend.address import BACKEND_HELP

if TYPE_CHECKING:  # imported where used: building the `reelbox` parser must not pay for them (issue 19)
    from downloads.download_manager import DownloadManager
    from downloads.progress import Progress
    from downloads.queue_db import AssetRow
    from player.backend import BackendClient


def add_download_arguments(parser: argparse.ArgumentParser) -> None:
    """``reelbox download TITLE [--quality NAME] [--backend URL] [--parallel N] [--audio LANGS] [--no-subtitles]``."""
    parser.add_argument("title", help="catalog title id")
    parser.add_argument("--quality", default=None, help="best (default), lowest, or a height such as 240p")
    parser.add_argument("--backend", default=None, metavar="URL", help=BACKEND_HELP)
    parser.add_argument("--parallel", type=_positive, default=None,
                        help="segments fetched at once (default: adaptive, from 4 up to 16 while throughput grows)")
    parser.add_argument("--audio", default=None, help="audio languages, comma-separated, or * for all")
    parser.add_argument("--no-subtitles", action="store_true", help="skip subtitle tracks")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


ACTIONS = ("list", "renew", "delete", "verify")


def add_downloads_arguments(parser: argparse.ArgumentParser, *, play: bool = False) -> None:
    """``downloads list | renew ID | delete ID | verify ID [--backend URL]``; ``play``: the parser also
    offers ``play ID``, which its caller runs (``reelbox``'s, with the playback options)."""
    parser.add_argument("action", choices=(*ACTIONS, "play") if play else ACTIONS)
    parser.add_argument("id", nargs="?", help="download id (from `reelbox downloads list`) or title id")
    parser.add_argument("--backend", default=None, metavar="URL", help="renew: " + BACKEND_HELP)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def _sentence(exc: BaseException) -> str:
    """One human sentence per error class (STYLE.md #8)."""
    kinds: list[tuple[type[BaseException], str]] = [
        (NotEnoughSpace, "not enough free disk space for this download"),
        (DiskFull, "the disk filled up during the download; free some space and run the command again to resume"),
        (FetchFailed, "the title could not be fetched from any server; run the command again to resume"),
        (OtherQualityStored, "already downloaded at another quality"),
        (PlanError, "this title cannot be downloaded as asked"),
        (TitleExpired, "the offline licence has expired; renew it online (`reelbox downloads renew ID`) or delete it"),
        (PlaybackLocked, "offline playback is locked because the clock went back; renew online to unlock"),
        (LicenceUnusable, "the offline licence cannot be used"),
        (SealError, "the downloaded files are damaged or were altered; delete and download again"),
        (AssetNotFound, "no such download"),
        (AssetIncomplete, "the download is not finished; run `reelbox download TITLE` to resume it"),
        (Cancelled, "the download was cancelled"),
    ]
    for cls, text in kinds:
        if isinstance(exc, cls):
            return f"{text} ({exc})"
    from player.sentences import sentence as engine_sentence

    common = engine_sentence(exc)  # backend and engine errors: the same table as the app and `reelbox`
    return f"{common} ({exc})" if common else str(exc)


def _fail(exc: BaseException, debug: bool, err: TextIO) -> int:
    if debug:
        import traceback

        traceback.print_exception(exc, file=err)
    print(f"error: {_sentence(exc)}", file=err)
    return 1


def _signed_in(args: argparse.Namespace, manager: DownloadManager) -> AbstractAsyncContextManager[BackendClient]:
    """Signed in to ``--backend`` as ``$REELBOX_EMAIL``, reusing the sign-in stored by an earlier command."""
    from downloads.sign_in import SignInStore, signed_in
    from player.backend import api_url, login_from_env

    store = SignInStore(manager.paths.config_dir, manager.device_key)
    return signed_in(api_url(getattr(args, "backend", None)), login_from_env(), store)


class ProgressBar:
    """The download's bar: percent, MB, segments, rate, ETA (:class:`~downloads.progress_bar.TerminalBar`)."""

    def __init__(self, out: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.bar = TerminalBar(out, clock=clock)

    def __call__(self, p: Progress) -> None:
        eta = "--:--" if p.eta_s is None else f"{int(p.eta_s) // 60:02d}:{int(p.eta_s) % 60:02d}"
        self.bar.draw(p.fraction, f"{p.bytes_done / 1e6:7.2f}/{p.bytes_total / 1e6:.2f} MB  "
                                  f"{p.segments_done}/{p.segments_total} seg  {p.rate_bps * 8 / 1e6:6.2f} Mbit/s  "
                                  f"ETA {eta} {'(paused)' if p.state == 'paused' else ''}",
                      final=p.state == "complete")


def run_download(args: argparse.Namespace) -> int:
    """``reelbox download TITLE``: download (or resume) with a progress bar on stderr."""
    try:
        stored = _stored_download(args.title, args.quality) or _download(args)
    except (DownloadError, Exception) as exc:  # noqa: BLE001 - the CLI's last line of defence
        return _fail(exc, bool(getattr(args, "debug", False)), sys.stderr)
    asset_id, title_id, quality, size, state = stored
    print(f"{asset_id}\t{title_id}\t{quality}\t{size / 1e6:.1f} MB\t{state}")
    return 0


def _download(args: argparse.Namespace) -> tuple[str, str, str, int, str]:
    """Sign in, then download or resume ``args.title`` (the HTTP stack and the engine's parts load here)."""
    import asyncio

    from downloads.download_manager import DownloadManager
    from downloads.plan import DownloadChoice

    audio = None
    if getattr(args, "audio", None):
        audio = tuple(a.strip() for a in args.audio.split(",") if a.strip())
    choice = DownloadChoice(quality=args.quality, audio_languages=audio,
                            subtitles=not getattr(args, "no_subtitles", False))

    async def go() -> DownloadInfo:
        manager = DownloadManager(parallel=getattr(args, "parallel", None))
        try:
            async with _signed_in(args, manager) as client:
                return await manager.download(client, args.title, choice, progress=ProgressBar())
        finally:
            manager.close()

    info = asyncio.run(go())
    return info.asset_id, info.title_id, info.quality, info.bytes_total, info.state


def _stored_download(title_id: str, quality: str | None) -> tuple[str, str, str, int, str] | None:
    """The finished download of ``title_id`` as the queue records it, or None when there is something to fetch.

    Read from the queue alone, before the device key, the HTTP stack or a sign-in (issue 19): a title
    already downloaded costs no request (and needs no network) to say so. Raises OtherQualityStored for
    a named quality that differs from the stored one."""
    from downloads.paths import DownloadPaths
    from downloads.queue_db import QueueDb

    path = DownloadPaths.default().queue_db
    if not path.exists():
        return None
    queue = QueueDb(path)
    try:
        rows = queue.assets()
    finally:
        queue.close()
    _check_quality(rows, title_id, quality)
    mine = [a for a in rows if a.title_id == title_id]
    if not mine or mine[-1].state != "complete":
        return None
    row = mine[-1]
    return row.asset_id, row.title_id, row.quality, row.total_bytes, row.state


def _check_quality(rows: Sequence[AssetRow], title_id: str, quality: str | None) -> None:
    """A named quality that differs from the stored download's says so, instead of silently returning
    the old download (one download per title; issue 18)."""
    if quality in (None, "", "best", "lowest"):
        return
    for row in rows:
        if row.title_id == title_id and quality not in (row.quality, f"{row.quality}p"):
            state = "downloaded" if row.state == "complete" else "partly downloaded"
            raise OtherQualityStored(
                f"{title_id} is {state} and stored at {row.quality}; to get {quality}, delete it first "
                f"(`reelbox downloads delete {row.asset_id}`), then download again")


def _format(info: DownloadInfo) -> str:
    lic = info.licence
    if lic.state == "valid" and lic.remaining_s is not None:
        lic_text = f"valid {lic.remaining_s / 3600:.1f} h left"
    else:
        lic_text = lic.state if lic.state != "none" else "clear"
    return (f"{info.asset_id}\t{info.title_id}\t{info.quality}\t{info.state}\t"
            f"{info.segments_done}/{info.segments_total} seg\t{info.bytes_done / 1e6:.1f}/{info.bytes_total / 1e6:.1f} MB\t"
            f"{lic_text}")


def resolve_download(manager: DownloadManager, ident: str | None) -> str:
    if not ident:
        raise AssetNotFound("give a download id (see `reelbox downloads list`)")
    for info in manager.list():
        if ident in (info.asset_id, info.title_id):
            return info.asset_id
    raise AssetNotFound(f"no download {ident!r}")


def run_downloads(args: argparse.Namespace) -> int:
    """``reelbox downloads list|renew ID|delete ID|verify ID``; ``play`` without an ID is a usage error here."""
    import asyncio

    from downloads.download_manager import DownloadManager

    debug = bool(getattr(args, "debug", False))
    if args.action != "list" and not getattr(args, "id", None):
        print(f"usage: reelbox downloads {args.action} ID", file=sys.stderr)
        return 2
    try:
        manager = DownloadManager()
    except Exception as exc:  # noqa: BLE001
        return _fail(exc, debug, sys.stderr)
    try:
        if args.action == "list":
            for info in manager.list():
                print(_format(info))
            return 0
        asset_id = resolve_download(manager, args.id)
        if args.action == "delete":
            manager.delete(asset_id)
            print(f"deleted {asset_id}")
        elif args.action == "verify":
            print(f"{asset_id}: {manager.verify(asset_id)} segments authenticate")
        elif args.action == "renew":
            async def renew() -> DownloadInfo:
                async with _signed_in(args, manager) as client:
                    return await manager.renew(asset_id, client)

            print(_format(asyncio.run(renew())))
        return 0
    except Exception as exc:  # noqa: BLE001
        return _fail(exc, debug, sys.stderr)
    finally:
        manager.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m downloads download TITLE ...`` / ``python -m downloads downloads list|renew|delete|verify ...``."""
    parser = argparse.ArgumentParser(prog="python -m downloads")
    sub = parser.add_subparsers(dest="command", required=True)
    add_download_arguments(sub.add_parser("download", help="download a title for offline play"))
    add_downloads_arguments(sub.add_parser("downloads", help="list, renew, delete or verify downloads"))
    args = parser.parse_args(argv)
    return run_download(args) if args.command == "download" else run_downloads(args)

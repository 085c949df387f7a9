"""`reelbox play`: resolve the target (catalog id or manifest URL), sign in when needed, run a session.

QA forced paths and emulation (issue 9) are options of the same command: ``--cdn N|HOST`` pins one
CDN (a host is matched against the session's manifest URLs, so it works for our per-edge grants and
for any URL), ``--abr``/``--rendition`` pin the algorithm or the quality, and ``--trace``,
``--latency``, ``--loss-every`` shape the client's reads (``player.net.shaping``). The per-request log
goes to CSV beside the report (or ``--requests-csv``).
"""
from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from player.backend import BackendClient, PlaybackInfo, api_url, login_from_env
from player.errors import PlaybackError
from player.playback import PlaybackSession, SessionOptions
from player.playback.throughput_memory import process_memory
from player.net import CmcdMode
from player.net.shaping import Shaping, load_trace, shaped

REQUEST_COLUMNS = ("t_s", "kind", "cdn", "url", "status", "bytes", "ttfb_ms", "duration_ms", "retries",
                   "error", "failover_to", "aborted")


def is_manifest_url(target: str) -> bool:
    return "://" in target


def cdn_index(spec: str | int | None, manifest_urls: Sequence[str]) -> int | None:
    """``--cdn`` as a pool index: a number, or a host (``host`` or ``host:port``) found in the manifest URLs."""
    if spec is None:
        return None
    text = str(spec).strip()
    if text.isdigit():
        return int(text)
    parts = [urlsplit(u) for u in manifest_urls]
    exact = [i for i, p in enumerate(parts) if p.netloc.lower() == text.lower()]
    by_host = [i for i, p in enumerate(parts) if (p.hostname or "").lower() == text.lower()]
    found = exact or by_host
    if len(found) == 1:
        return found[0]
    hosts = ", ".join(p.netloc for p in parts) or "none"
    if not found:
        raise PlaybackError(f"--cdn {text}: no manifest URL is on that host (hosts: {hosts})")
    raise PlaybackError(f"--cdn {text}: several CDNs share that host, give host:port or an index (hosts: {hosts})")


class _PinningBackend(BackendClient):
    """Resolves ``--cdn HOST`` once the backend has granted the per-edge manifest URLs."""

    def __init__(self, api_url: str, options: SessionOptions, spec: str | None) -> None:
        super().__init__(api_url)
        self._options = options
        self._spec = spec

    async def open_playback(self, title_id: str, *, fmt: str = "dash", device_id: str | None = None,
                            purpose: str = "play") -> PlaybackInfo:
        info = await super().open_playback(title_id, fmt=fmt, device_id=device_id, purpose=purpose)
        self._options.force_cdn = cdn_index(self._spec, info.manifests)
        return info


def shaping_from_args(args: argparse.Namespace) -> Shaping:
    trace = getattr(args, "trace", None)
    latency_ms = getattr(args, "latency", None) or 0.0
    return Shaping(trace=load_trace(trace) if trace else None, extra_latency_s=latency_ms / 1000.0,
                   loss_every=getattr(args, "loss_every", None))


def start_position(args: argparse.Namespace) -> float | None:
    """``--start S``, else None: the beginning (VOD) or the hold-back point (live); the viewer's saved position
    only with ``--resume`` (``SessionOptions.resume``; issue 18: a QA play that silently resumed played 0.0 s of a
    nearly finished title). None rather than 0 so that a live play can tell no start from ``--start 0``."""
    return float(args.start) if getattr(args, "start", None) is not None else None


def session_options(args: argparse.Namespace) -> SessionOptions:
    """The playback options every playing command shares (``play``, ``downloads play``)."""
    cdn = getattr(args, "cdn", None)
    headless = bool(getattr(args, "headless", False))
    return SessionOptions(
        abr=getattr(args, "abr", None), start_s=start_position(args), resume=bool(getattr(args, "resume", False)),
        until_s=getattr(args, "until", None),
        fmt=getattr(args, "fmt", "dash"),
        force_cdn=int(cdn) if cdn is not None and str(cdn).isdigit() else None,
        force_rendition=getattr(args, "rendition", None), buffer_capacity_s=getattr(args, "buffer", 30.0),
        vo="null" if headless else "gpu", ao="null" if headless else "auto",
        wrap_transport=shaped(shaping_from_args(args)),
        low_latency={"low": True, "standard": False}.get(getattr(args, "live", None) or "auto"),
        keys=tuple(getattr(args, "key", None) or ()), license_url=getattr(args, "license_url", None),
        audio_language=getattr(args, "audio", None), subtitle_language=getattr(args, "subtitles", None),
        # the next play on this link starts from this one's estimate (``--cold-start``: neither)
        throughput_memory=None if getattr(args, "cold_start", False) else process_memory(),
        cmcd=CmcdMode(getattr(args, "cmcd", None) or _configured_cmcd()),
    )


def _configured_cmcd() -> str:
    """``cmcd`` in config.toml's ``[app]`` (the app's setting), the default without one."""
    from ui.app.config import load_config

    return load_config().cmcd


class PlayFailed(Exception):
    """The session failed; ``report`` still holds what happened up to the failure (QA needs it most then)."""

    def __init__(self, cause: BaseException, report: dict[str, Any]) -> None:
        super().__init__(str(cause) or type(cause).__name__)
        self.report = report


async def _run(session: PlaybackSession, *, sync: bool, title_id: str | None = None) -> dict[str, Any]:
    """With ``--sync``, progress and telemetry go to the backend (queued when offline); without it a QA
    run leaves the viewer's Continue watching alone."""
    try:
        if sync:  # loaded only then: a play without --sync needs neither its SQLite outbox nor its uploader (RSS)
            from player.sync import run_synced

            return await run_synced(session, backend=session.backend, title_id=title_id)
        return await session.run()
    except Exception as exc:
        raise PlayFailed(exc, session.report()) from exc


async def play_target(args: argparse.Namespace) -> dict[str, Any]:
    """Play ``args.target``; the QoE report, or ``PlayFailed`` carrying the report of a failed session."""
    options = session_options(args)
    cdn = getattr(args, "cdn", None)
    if is_manifest_url(args.target):
        options.force_cdn = cdn_index(cdn, [args.target])
        return await _run(PlaybackSession(target=args.target, options=options, manifest_urls=[args.target]), sync=False)
    backend = _PinningBackend(api_url(args.backend), options, cdn)
    try:
        await backend.login(*login_from_env())
        return await _run(PlaybackSession(target=args.target, options=options, backend=backend),
                          sync=bool(getattr(args, "sync", False)))
    finally:
        await backend.aclose()


async def play_download(args: argparse.Namespace) -> dict[str, Any]:
    """``downloads play ID`` with the same playback options as ``play`` (from the sealed store)."""
    from downloads.cli import resolve_download
    from downloads.download_manager import DownloadManager

    manager = DownloadManager()
    try:
        playback = manager.open_offline(resolve_download(manager, args.id))
        try:
            session = PlaybackSession(target=playback.title_id, options=session_options(args), source=playback.source,
                                      presentation=playback.presentation, keys=playback.keys)
            return await _run(session, sync=bool(getattr(args, "sync", False)), title_id=playback.title_id)
        finally:
            playback.close()
    finally:
        manager.close()


def summary_lines(report: dict[str, Any]) -> list[str]:
    """What ``play`` prints of a play that ended well: its figures, then each notice (a resync's skip, a DVR window
    passed while paused, a stretch without audio), which a play without ``--report`` showed nowhere."""
    figures = (f"played {report['played_s']:.1f} s of {report['target']}: startup {report['startup_ms']} ms, "
               f"{report['rebuffer_count']} rebuffers ({report['rebuffer_s']} s), avg {report['avg_bitrate_kbps']} "
               f"kbit/s, {report['switches']} switches, {report['cdn_failovers']} CDN failovers, "
               f"{report.get('abandonments', 0)} ABR abandonments")
    notices = []
    for n in report.get("notices", []):
        at = "" if n.get("t_s") is None else f" at {n['t_s']:.1f} s"
        notices.append(f"notice{at}: {n['code']}: {n['message']}")
    return [figures, *notices]


def request_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's ``requests`` as CSV rows (URLs are already redacted by the pool)."""
    rows = []
    for r in report.get("requests", []):
        rows.append({
            "t_s": r.get("t_s"), "kind": r.get("kind"), "cdn": r.get("cdn"), "url": r.get("url"),
            "status": r.get("status"), "bytes": r.get("bytes"),
            "ttfb_ms": None if r.get("ttfb_s") is None else round(r["ttfb_s"] * 1000, 1),
            "duration_ms": None if r.get("duration_s") is None else round(r["duration_s"] * 1000, 1),
            "retries": r.get("retries"), "error": r.get("error"), "failover_to": r.get("failover_to"),
            "aborted": bool(r.get("aborted")),
        })
    return rows


def write_requests_csv(report: dict[str, Any], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=REQUEST_COLUMNS)
        writer.writeheader()
        writer.writerows(request_rows(report))


def csv_beside(report_path: str) -> str:
    """``run.json`` → ``run.requests.csv`` (the per-request log next to the report)."""
    return str(Path(report_path).with_suffix("")) + ".requests.csv"

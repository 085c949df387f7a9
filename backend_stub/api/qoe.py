"""QoE summaries from stored telemetry: per playback session, per title and per CDN (issue 7).

Built from the raw session events the client sends (``player/telemetry.py`` documents the schema), not
from a summary the client computed, so the figures are an independent check of the client's own QoE
report (DESIGN.md "QoE report"). Definitions, matching ``player/qoe.py``:

* startup: ``startup_ms`` of the session's ``first_frame`` event; p50/p95 over sessions by linear
  interpolation between closest ranks (the NumPy default), so one session gives its own value;
* rebuffer ratio: Σ stall seconds / (Σ played seconds + Σ stall seconds); played seconds come from
  the session's ``end`` event (media time actually played), stalls from ``stall_end.duration_s``;
* average bitrate: video segments' nominal bitrate weighted by their media duration;
* errors: count of ``error`` events;
* abandonments (per title only: the event does not say which CDN the cancelled request was on): count
  of ``abandon`` events, video downloads the ABR gave up on mid-way and refetched lower.

Per CDN (the index into the playback grant's ``manifests`` list, i.e. the edge order): segments, bytes,
bitrate and throughput of the segments that CDN served; a session's startup counts for the CDN of its
first video segment; a stall (and an error) counts for the CDN of the last video segment fetched
before it; played seconds are shared out in proportion to the video media seconds each CDN delivered.
Pure functions over event dicts plus one loader.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils


@dataclass(kw_only=True)
class SessionQoe:
    """One playback session rebuilt from its events."""

    session_id: str
    title_id: str | None = None
    device_id: str | None = None
    startup_ms: float | None = None
    license_ms: float | None = None
    played_s: float = 0.0
    stall_s: float = 0.0
    stalls: int = 0
    errors: int = 0
    failovers: int = 0
    abandonments: int = 0
    ended: bool = False
    first_cdn: int | None = None
    # video segments: (cdn, bitrate_kbps, duration_s, bytes, download_ms)
    video: list[tuple[int, float, float, int, float]] = field(default_factory=list)
    segments_by_cdn: dict[int, list[tuple[str, int, float]]] = field(default_factory=dict)  # media, bytes, ms
    stall_by_cdn: dict[int, float] = field(default_factory=dict)
    errors_by_cdn: dict[int, int] = field(default_factory=dict)

    def avg_bitrate_kbps(self) -> float:
        return _weighted_bitrate([(b, d) for _, b, d, _, _ in self.video])

    def rebuffer_ratio(self) -> float:
        return _ratio(self.stall_s, self.played_s)


def _weighted_bitrate(items: list[tuple[float, float]]) -> float:
    """Duration-weighted mean (plain mean when no segment has a duration), as ``QoeTracker.avg_bitrate_kbps``."""
    if not items:
        return 0.0
    total = sum(d for _, d in items)
    if total <= 0:
        return sum(b for b, _ in items) / len(items)
    return sum(b * d for b, d in items) / total


def _ratio(stall_s: float, played_s: float) -> float:
    return stall_s / (played_s + stall_s) if played_s + stall_s > 0 else 0.0


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (NumPy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _order(event: dict[str, Any]) -> tuple[float, float]:
    seq = event.get("seq")
    return (float(seq) if isinstance(seq, (int, float)) else math.inf, float(event.get("t_s") or 0.0))


def sessions_from_events(events: list[dict[str, Any]]) -> dict[str, SessionQoe]:
    """Group events by ``session_id`` and replay each session in its own order (``seq``)."""
    by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        sid = e.get("session_id")
        if isinstance(sid, str) and sid:
            by_session[sid].append(e)
    return {sid: _replay(sid, sorted(evs, key=_order)) for sid, evs in by_session.items()}


def _num(value: Any, default: float = 0.0) -> float:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else default


def _replay(session_id: str, events: list[dict[str, Any]]) -> SessionQoe:
    s = SessionQoe(session_id=session_id)
    last_cdn: int | None = None
    for e in events:
        s.title_id = s.title_id or e.get("title_id")
        s.device_id = s.device_id or e.get("device_id")
        kind = e.get("type")
        if kind == "first_frame" and s.startup_ms is None:
            s.startup_ms = _num(e.get("startup_ms"), 0.0)
        elif kind == "license":
            s.license_ms = _num(e.get("license_ms"), 0.0)
        elif kind == "segment":
            cdn = int(_num(e.get("cdn"), -1))
            media = str(e.get("media") or "")
            s.segments_by_cdn.setdefault(cdn, []).append((media, int(_num(e.get("bytes"))), _num(e.get("download_ms"))))
            if media == "video":
                s.video.append((cdn, _num(e.get("bitrate_kbps")), _num(e.get("duration_s")), int(_num(e.get("bytes"))),
                                _num(e.get("download_ms"))))
                last_cdn = cdn
                if s.first_cdn is None:
                    s.first_cdn = cdn
        elif kind == "stall_end":
            duration = _num(e.get("duration_s"))
            s.stall_s += duration
            s.stalls += 1
            if last_cdn is not None:
                s.stall_by_cdn[last_cdn] = s.stall_by_cdn.get(last_cdn, 0.0) + duration
        elif kind == "error":
            s.errors += 1
            if last_cdn is not None:
                s.errors_by_cdn[last_cdn] = s.errors_by_cdn.get(last_cdn, 0) + 1
        elif kind == "failover":
            s.failovers += int(_num(e.get("count"), 1))
        elif kind == "abandon":
            s.abandonments += 1
        elif kind == "end":
            s.ended = True
            s.played_s = max(s.played_s, _num(e.get("played_s")))
    return s


def _group_summary(startups: list[float], stall_s: float, played_s: float, bitrates: list[tuple[float, float]],
                   errors: int) -> dict[str, Any]:
    p50, p95 = percentile(startups, 0.5), percentile(startups, 0.95)
    return {
        "startup_ms_p50": None if p50 is None else round(p50, 1),
        "startup_ms_p95": None if p95 is None else round(p95, 1),
        "rebuffer_ratio": round(_ratio(stall_s, played_s), 5),
        "rebuffer_s": round(stall_s, 3),
        "played_s": round(played_s, 3),
        "avg_bitrate_kbps": round(_weighted_bitrate(bitrates), 1),
        "errors": errors,
    }


def summarise(sessions: dict[str, SessionQoe], *, cdn_urls: list[str] | None = None) -> dict[str, Any]:
    """``GET /qoe``: ``{"sessions": n, "titles": {id: {...}}, "cdns": {index: {...}}}``."""
    titles: dict[str, list[SessionQoe]] = defaultdict(list)
    for s in sessions.values():
        titles[s.title_id or "?"].append(s)
    out_titles = {
        tid: {
            "sessions": len(group),
            **_group_summary(
                [s.startup_ms for s in group if s.startup_ms is not None], sum(s.stall_s for s in group),
                sum(s.played_s for s in group), [(b, d) for s in group for _, b, d, _, _ in s.video],
                sum(s.errors for s in group),
            ),
            "failovers": sum(s.failovers for s in group),
            "abandonments": sum(s.abandonments for s in group),
        }
        for tid, group in sorted(titles.items())
    }
    return {"sessions": len(sessions), "titles": out_titles, "cdns": _per_cdn(sessions, cdn_urls or [])}


def _per_cdn(sessions: dict[str, SessionQoe], cdn_urls: list[str]) -> dict[str, Any]:
    acc: dict[int, dict[str, Any]] = defaultdict(lambda: {
        "startups": [], "stall_s": 0.0, "played_s": 0.0, "bitrates": [], "errors": 0,
        "segments": 0, "bytes": 0, "download_ms": 0.0,
    })
    for s in sessions.values():
        if s.first_cdn is not None and s.startup_ms is not None:
            acc[s.first_cdn]["startups"].append(s.startup_ms)
        media_total = sum(d for _, _, d, _, _ in s.video)
        for cdn, bitrate, duration, _, _ in s.video:
            acc[cdn]["bitrates"].append((bitrate, duration))
            if media_total > 0:
                acc[cdn]["played_s"] += s.played_s * duration / media_total
        for cdn, stall in s.stall_by_cdn.items():
            acc[cdn]["stall_s"] += stall
        for cdn, n in s.errors_by_cdn.items():
            acc[cdn]["errors"] += n
        for cdn, segs in s.segments_by_cdn.items():
            acc[cdn]["segments"] += len(segs)
            acc[cdn]["bytes"] += sum(b for _, b, _ in segs)
            acc[cdn]["download_ms"] += sum(ms for _, _, ms in segs)
    out: dict[str, Any] = {}
    for cdn, a in sorted(acc.items()):
        seconds = a["download_ms"] / 1000.0
        out[str(cdn)] = {
            "url": cdn_urls[cdn] if 0 <= cdn < len(cdn_urls) else None,
            "segments": a["segments"], "bytes": a["bytes"],
            "throughput_kbps": round(a["bytes"] * 8 / 1000.0 / seconds, 1) if seconds > 0 else None,
            **_group_summary(a["startups"], a["stall_s"], a["played_s"], a["bitrates"], a["errors"]),
        }
    return out


def load_events(db: sqlite_utils.Database, *, title_id: str | None = None) -> list[dict[str, Any]]:
    """Every stored telemetry event (payload JSON), optionally for one title only."""
    events = []
    for (payload,) in db.execute("SELECT payload FROM telemetry ORDER BY received_at, rowid"):
        try:
            event = json.loads(payload)
        except ValueError:
            continue
        if isinstance(event, dict) and (title_id is None or event.get("title_id") == title_id):
            events.append(event)
    return events

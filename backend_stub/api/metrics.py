"""Prometheus metrics in the text exposition format (version 0.0.4), written by hand.

Why by hand: a dozen series computed on scrape from the telemetry and progress tables; the format is
small (``# HELP``/``# TYPE`` lines, ``name{label="value"} number``, label values escaped for ``\\``,
``"`` and newline — https://prometheus.io/docs/instrumenting/exposition_formats/) and a client
library would add a process-global registry the in-process test backends would share.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any

import sqlite_utils

from backend_stub.api.qoe import SessionQoe, percentile

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: dict[str, Any]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Exposition:
    """Collects metric families and renders them; one ``# HELP``/``# TYPE`` per family."""

    def __init__(self) -> None:
        self._families: dict[str, tuple[str, str, list[str]]] = {}

    def add(self, name: str, kind: str, help_text: str, value: float, **labels: Any) -> None:
        family = name.removesuffix("_sum").removesuffix("_count") if kind == "summary" else name
        _, _, lines = self._families.setdefault(family, (kind, help_text, []))
        lines.append(f"{name}{_labels(labels)} {_number(value)}")

    def render(self) -> str:
        out = []
        for family, (kind, help_text, lines) in self._families.items():
            out.append(f"# HELP {family} {help_text}")
            out.append(f"# TYPE {family} {kind}")
            out.extend(lines)
        return "\n".join(out) + "\n"


def render_metrics(db: sqlite_utils.Database, sessions: dict[str, SessionQoe]) -> str:
    """The whole ``/metrics`` page."""
    m = Exposition()
    for kind, n in db.execute("SELECT type, COUNT(*) FROM telemetry GROUP BY type ORDER BY type"):
        m.add("reelbox_telemetry_events_total", "counter", "Telemetry events stored (after de-duplication).", n,
              type=kind)
    by_title: dict[str, list[SessionQoe]] = {}
    for s in sessions.values():
        by_title.setdefault(s.title_id or "?", []).append(s)
    for title, group in sorted(by_title.items()):
        startups = [s.startup_ms / 1000.0 for s in group if s.startup_ms is not None]
        m.add("reelbox_playback_sessions_total", "counter", "Playback sessions seen in telemetry.", len(group),
              title=title)
        for q in (0.5, 0.95):
            p = percentile(startups, q)
            m.add("reelbox_startup_seconds", "summary", "Time to first frame per session.",
                  math.nan if p is None else p, title=title, quantile=q)
        m.add("reelbox_startup_seconds_sum", "summary", "Time to first frame per session.", sum(startups), title=title)
        m.add("reelbox_startup_seconds_count", "summary", "Time to first frame per session.", len(startups),
              title=title)
        m.add("reelbox_rebuffer_seconds_total", "counter", "Seconds spent rebuffering.",
              sum(s.stall_s for s in group), title=title)
        m.add("reelbox_played_seconds_total", "counter", "Media seconds played.", sum(s.played_s for s in group),
              title=title)
        m.add("reelbox_playback_errors_total", "counter", "Error events.", sum(s.errors for s in group), title=title)
        m.add("reelbox_cdn_failovers_total", "counter", "Requests that moved to another CDN.",
              sum(s.failovers for s in group), title=title)
        m.add("reelbox_abr_abandonments_total", "counter", "Video downloads the ABR abandoned and refetched lower.",
              sum(s.abandonments for s in group), title=title)
    cdn_bytes: Counter[int] = Counter()
    cdn_segments: Counter[int] = Counter()
    for s in sessions.values():
        for cdn, segs in s.segments_by_cdn.items():
            cdn_segments[cdn] += len(segs)
            cdn_bytes[cdn] += sum(b for _, b, _ in segs)
    for cdn in sorted(cdn_segments):
        m.add("reelbox_cdn_segments_total", "counter", "Media segments fetched per CDN.", cdn_segments[cdn], cdn=cdn)
        m.add("reelbox_cdn_bytes_total", "counter", "Media bytes fetched per CDN.", cdn_bytes[cdn], cdn=cdn)
    if "progress" in db.table_names():
        (rows,) = db.execute("SELECT COUNT(*) FROM progress").fetchone()
        m.add("reelbox_progress_rows", "gauge", "Stored (user, title) watch positions.", rows)
    return m.render()

"""The QoE report as one self-contained HTML page (issue 9): inline SVG plots over time, no JS, no external files.

Plots share the session's time axis (seconds since the session opened: the segments' ``at_s`` and the
requests' ``t_s``): chosen video bitrate, buffer level, throughput estimate vs measured, CDN per
request (failed attempts in red, ``aborted`` ones — cancelled by the player — in orange), with stalls
shaded red and failovers as dashed purple lines; ABR abandonments (``abandon_events``: a video download
given up mid-way and refetched lower) are orange flags on the bitrate plot. The summary figures and the
per-request log follow; above them, whether the play was whole (``complete``) and the notices: what played
otherwise than a viewer would expect without failing (a DVR window passed while paused, a resync, a stretch without
audio), which the JSON lists and the page left out. Readable offline, printable, greppable.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ui.svg_chart import CSS, Chart, Series, render

SUMMARY_KEYS = (
    ("startup_ms", "startup (ms)"), ("played_s", "played (s)"), ("rebuffer_count", "rebuffers"),
    ("rebuffer_s", "rebuffer time (s)"), ("avg_bitrate_kbps", "avg bitrate (kbit/s)"), ("switches", "switches"),
    ("cdn_failovers", "CDN failovers"), ("abandonments", "ABR abandonments"), ("license_ms", "licence (ms)"),
    ("qoe_lin", "QoE (lin)"), ("decoder_errors", "decoder errors"), ("algorithm", "ABR algorithm"),
    ("start_estimate_kbps", "started from an earlier play's estimate (kbit/s)"),
)


def _video(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in report.get("segments", []) if s.get("type") == "video" and s.get("at_s") is not None]


def _end_s(report: dict[str, Any]) -> float:
    """The whole session on the wall-clock axis: the last request, or startup + played + stalled when
    playback went on long after the last download (a fast link fetches everything in the first second)."""
    session = (report.get("startup_ms") or 0) / 1000 + (report.get("played_s") or 0) + (report.get("rebuffer_s") or 0)
    times = [session] + [s["at_s"] + s.get("download_ms", 0) / 1000 for s in report.get("segments", []) if s.get("at_s") is not None]
    times += [r["t_s"] + (r.get("duration_s") or 0) for r in report.get("requests", []) if r.get("t_s") is not None]
    times += [b for a, b in report.get("rebuffer_events", []) if b is not None]
    return max(times + [1.0])


def charts(report: dict[str, Any]) -> list[Chart]:
    """The report's plots (also used by tests to check what is drawn)."""
    video = _video(report)
    end = _end_s(report)
    bands = tuple((a, b if b is not None else end) for a, b in report.get("rebuffer_events", []))
    requests = [r for r in report.get("requests", []) if r.get("t_s") is not None]
    markers = tuple(r["t_s"] + (r.get("duration_s") or 0) for r in requests if r.get("failover_to") is not None)
    common = {"x_max": end, "bands": bands, "markers": markers}
    measured = tuple((s["at_s"] + s["download_ms"] / 1000, s["bytes"] * 8 / max(s["download_ms"], 1e-3))
                     for s in video if s.get("download_ms"))
    estimate = tuple((s["at_s"] + s["download_ms"] / 1000, s["estimate_kbps"]) for s in video if s.get("estimate_kbps"))
    cdns = sorted({r["cdn"] for r in requests})
    # rows: licence (cdn -1) at 0, cdn N at N + 1, so every row sits inside the plot
    ok = tuple((r["t_s"], r["cdn"] + 1) for r in requests if not r.get("error"))
    failed = tuple((r["t_s"], r["cdn"] + 1) for r in requests if r.get("error") and not r.get("aborted"))
    aborted = tuple((r["t_s"], r["cdn"] + 1) for r in requests if r.get("aborted"))
    request_series = (Series(name="ok", color="#0969da", style="dots", points=ok),
                      Series(name="failed", color="#cf222e", style="dots", points=failed))
    if aborted:
        request_series += (Series(name="aborted", color="#bc4c00", style="dots", points=aborted),)
    drawn = [
        Chart(title="Chosen video bitrate", y_label="kbit/s",
              series=(Series(name="bitrate", color="#0969da", style="step",
                             points=tuple((s["at_s"], s["bitrate_kbps"]) for s in video)),),
              flags=abandon_flags(report), **common),
        Chart(title="Buffer level (when each segment was requested)", y_label="seconds",
              series=(Series(name="buffer", color="#1a7f37", points=tuple((s["at_s"], s["buffer_s"]) for s in video)),),
              **common),
        Chart(title="Throughput: estimate vs measured (per video segment)", y_label="kbit/s",
              series=(Series(name="measured", color="#bf8700", style="dots", points=measured),
                      Series(name="estimate", color="#8250df", points=estimate)), **common),
        Chart(title="CDN in use (every request; failed in red, aborted in orange)", y_label="CDN",
              series=request_series,
              y_ticks=tuple((c + 1, "licence" if c < 0 else f"cdn{c}") for c in cdns),
              y_max=max(cdns + [0]) + 1.5, **common),
    ]
    if report.get("live") and report.get("latency_s"):
        latency = Series(name="latency", color="#cf222e", points=tuple((t, v) for t, v in report["latency_s"]))
        target = report.get("latency_target_s")
        goal = (Series(name="target", color="#57606a", points=((0.0, target), (end, target))),) if target else ()
        drawn.append(Chart(title="Live latency (server clock at display minus the frame's program date-time)",
                           y_label="seconds", series=(latency, *goal), **common))
    return drawn


def media_charts(report: dict[str, Any]) -> list[Chart]:
    """The same session over media time (the position each segment covers): what quality each part of the
    title played at, and how far ahead of its playback deadline each segment arrived."""
    video = [s for s in _video(report) if s.get("start_s") is not None]
    if not video:
        return []
    start = report.get("start_s") or 0.0
    startup = (report.get("startup_ms") or 0) / 1000
    end = max(s["start_s"] + (s.get("duration_s") or 0) for s in video)
    arrived = tuple((s["start_s"], s["at_s"] + (s.get("download_ms") or 0) / 1000) for s in video)
    deadline = tuple((s["start_s"], startup + s["start_s"] - start) for s in video)
    axis = "media time (s)"
    return [
        Chart(title="Chosen video bitrate over media time", y_label="kbit/s", x_max=end, x_label=axis,
              series=(Series(name="bitrate", color="#0969da", style="step",
                             points=tuple((s["start_s"], s["bitrate_kbps"]) for s in video)),)),
        Chart(title="Segment arrival (dots) vs when playback needs it (line), seconds since open", y_label="seconds",
              x_max=end, x_label=axis,
              series=(Series(name="arrived", color="#bf8700", style="dots", points=arrived),
                      Series(name="needed", color="#cf222e", points=deadline))),
    ]


def abandon_flags(report: dict[str, Any]) -> tuple[tuple[float, str], ...]:
    """One (time, hover text) per ABR abandonment in the report (none in reports made before they were logged)."""
    flags = []
    for e in report.get("abandon_events", []):
        if e.get("t_s") is not None:
            text = (f"{e['t_s']:g} s: segment {e.get('index')} abandoned at rung {e.get('from_rung')} "
                    f"after {e.get('received')} bytes, refetched at rung {e.get('to_rung')}")
            flags.append((e["t_s"], text))
    return tuple(flags)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)


def summary_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    whole = report.get("complete")
    verdict = [("played in full", "yes" if whole else "no")] if whole is not None else []
    return verdict + [(label, _fmt(report.get(key))) for key, label in SUMMARY_KEYS]


def _listed(entries: list[dict[str, Any]], when: str, css: str, heading: str) -> str:
    """A heading and one line per error or notice: its time when it has one (``when``: seconds since open), code and
    message."""
    lines = []
    for e in entries:
        at = "" if e.get(when) is None else f"{html.escape(_fmt(e[when]))} s: "
        lines.append(f"<li>{at}{html.escape(str(e.get('code')))}: {html.escape(str(e.get('message')))}</li>")
    return f"<h2>{heading} ({len(lines)})</h2><ul class=\"{css}\">{''.join(lines)}</ul>" if lines else ""


def _requests_table(report: dict[str, Any]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("t (s)", "kind", "CDN", "status", "bytes", "TTFB (ms)", "duration (ms)",
                                               "retries", "failover to")) + '<th class="l">URL / error</th>'
    rows = []
    for r in report.get("requests", []):
        ms = lambda v: "–" if v is None else f"{v * 1000:.1f}"  # noqa: E731
        cls = ' class="aborted"' if r.get("aborted") else ' class="fail"' if r.get("error") else ""
        note = "warn" if r.get("aborted") else "bad"
        rows.append(
            f"<tr{cls}><td>{_fmt(r.get('t_s'))}</td><td>{html.escape(str(r.get('kind')))}</td><td>{r.get('cdn')}</td>"
            f"<td>{_fmt(r.get('status'))}</td><td>{_fmt(r.get('bytes'))}</td><td>{ms(r.get('ttfb_s'))}</td>"
            f"<td>{ms(r.get('duration_s'))}</td><td>{r.get('retries')}</td><td>{_fmt(r.get('failover_to'))}</td>"
            f"<td class=\"l\">{html.escape(str(r.get('url')))}"
            + (f"<br><span class=\"{note}\">{html.escape(str(r['error']))}</span>" if r.get("error") else "") + "</td></tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def render_report(report: dict[str, Any]) -> str:
    """The whole page as a string."""
    title = html.escape(str(report.get("target", "playback")))
    summary = "".join(f'<tr><th class="l">{html.escape(k)}</th><td>{html.escape(v)}</td></tr>' for k, v in summary_rows(report))
    plots = "".join(render(c) for c in charts(report))
    requests = report.get("requests", [])
    aborted = sum(1 for r in requests if r.get("aborted"))
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Reelbox QoE report: {title}</title><style>{CSS}</style></head><body>"
        f"<h1>Reelbox QoE report</h1><div class=\"muted\">{title}</div>"
        f"<h2>Summary</h2><table>{summary}</table>"
        + _listed(report.get("errors", []), "at_s", "bad", "Errors")
        + _listed(report.get("notices", []), "t_s", "warn", "Notices")
        + "<h2>Over wall-clock time</h2><div class=\"muted\">The whole session, from open to end. Red bands: stalls (rebuffering). Dashed purple lines: CDN failovers."
        + (" Orange flags (bitrate plot): ABR abandonments, a video download cancelled mid-way and its segment"
           " refetched lower." if report.get("abandon_events") else "") + "</div>"
        + plots
        + "<h2>Over media time</h2><div class=\"muted\">Each video segment at the position it covers: its bitrate, and"
        " when it arrived against when playback reached it (dots under the line arrived in time).</div>"
        + "".join(render(c) for c in media_charts(report))
        + f"<h2>Requests ({len(requests)}{f'; {aborted} aborted' if aborted else ''})</h2>"
        + f"<details><summary>per-request log (URLs redacted)</summary>{_requests_table(report)}</details>"
        + "</body></html>"
    )


def write_html_report(report: dict[str, Any], path: str | Path) -> None:
    Path(path).write_text(render_report(report), encoding="utf-8")

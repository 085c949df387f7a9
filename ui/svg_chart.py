"""Tiny inline-SVG time charts for the offline HTML reports (no JavaScript, no external files).

One chart = a time axis shared by every plot of a report, one or more series (step lines, lines or
dots), shaded bands (stalls), vertical markers (failovers) and flags on the top edge (abandonments).
Text is escaped; numbers only.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 860, 190
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 26, 30


@dataclass(frozen=True, kw_only=True)
class Series:
    name: str
    color: str
    points: tuple[tuple[float, float], ...]
    style: str = "line"  # "line" | "step" | "dots"


@dataclass(frozen=True, kw_only=True)
class Chart:
    title: str
    y_label: str
    x_max: float
    series: tuple[Series, ...]
    bands: tuple[tuple[float, float], ...] = ()  # shaded x-intervals (stalls)
    markers: tuple[float, ...] = ()  # vertical lines (failovers)
    flags: tuple[tuple[float, str], ...] = ()  # (x, hover text): small triangles on the top edge (abandonments)
    y_ticks: tuple[tuple[float, str], ...] = field(default=())  # fixed ticks (e.g. CDN names)
    y_max: float | None = None
    x_label: str = "time since open (s)"


def nice_step(span: float, count: int = 5) -> float:
    """A 1/2/5 × 10^k step giving about ``count`` ticks over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def render(chart: Chart) -> str:
    """The chart as an ``<svg>`` element string."""
    x_max = max(chart.x_max, 1e-6)
    values = [y for s in chart.series for _, y in s.points]
    y_max = chart.y_max if chart.y_max is not None else max(values + [1e-6]) * 1.1
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + pw * min(max(x, 0.0), x_max) / x_max

    def sy(y: float) -> float:
        return TOP + ph * (1 - min(max(y, 0.0), y_max) / y_max)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'role="img" aria-label="{html.escape(chart.title)}" class="chart">',
           f'<text x="{LEFT}" y="16" class="ct">{html.escape(chart.title)}</text>',
           f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" class="plot"/>']
    for a, b in chart.bands:
        out.append(f'<rect x="{sx(a):.1f}" y="{TOP}" width="{max(sx(b) - sx(a), 1.5):.1f}" height="{ph}" class="stall"/>')
    ticks = chart.y_ticks or tuple((v, f"{v:g}") for v in _range(0.0, y_max, nice_step(y_max)))
    for value, label in ticks:
        y = sy(value)
        out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" class="yt">{html.escape(label)}</text>')
    for value in _range(0.0, x_max, nice_step(x_max, 10)):
        x = sx(value)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP + ph}" y2="{TOP + ph + 4}" class="axis"/>'
                   f'<text x="{x:.1f}" y="{TOP + ph + 16}" class="xt">{value:g}</text>')
    out.append(f'<text x="{LEFT + pw}" y="{HEIGHT - 2}" class="xl">{html.escape(chart.x_label)}</text>'
               f'<text x="12" y="{TOP + ph / 2:.0f}" class="yl" transform="rotate(-90 12 {TOP + ph / 2:.0f})">'
               f'{html.escape(chart.y_label)}</text>')
    for x in chart.markers:
        out.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{TOP}" y2="{TOP + ph}" class="failover"/>')
    for x, label in chart.flags:
        out.append(f'<path d="M{sx(x) - 5:.1f},{TOP - 8} h10 l-5,8 z" class="abandon">'
                   f'<title>{html.escape(label)}</title></path>'
                   f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{TOP}" y2="{TOP + ph}" class="abandon-line"/>')
    for series in chart.series:
        out.append(_series(series, sx, sy))
    legend_x = LEFT + 8 * len(chart.title) + 24  # after the title (13 px bold, ~8 px a glyph)
    for series in chart.series:
        out.append(f'<rect x="{legend_x}" y="7" width="10" height="10" fill="{series.color}"/>'
                   f'<text x="{legend_x + 14}" y="16" class="lg">{html.escape(series.name)}</text>')
        legend_x += 24 + 7 * len(series.name)
    out.append("</svg>")
    return "".join(out)


def _range(start: float, stop: float, step: float) -> list[float]:
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    return [round(start + i * step, 10) for i in range(max(count, 1))]


def _series(series: Series, sx: object, sy: object) -> str:
    fx, fy = sx, sy  # callables
    pts = sorted(series.points)
    if not pts:
        return ""
    if series.style == "dots":
        return "".join(f'<circle cx="{fx(x):.1f}" cy="{fy(y):.1f}" r="3" fill="{series.color}"/>' for x, y in pts)  # type: ignore[operator]
    coords: list[tuple[float, float]] = []
    for i, (x, y) in enumerate(pts):
        if series.style == "step" and i:
            coords.append((x, pts[i - 1][1]))
        coords.append((x, y))
    path = " ".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y in coords)  # type: ignore[operator]
    return f'<polyline points="{path}" fill="none" stroke="{series.color}" stroke-width="2"/>'


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:22px 0 8px}
table{border-collapse:collapse;font-size:13px} td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:right}
th{background:#f6f8fa} td.l,th.l{text-align:left} tr.fail td{background:#ffebe9} tr.pass td.v{color:#1a7f37}
.chart{display:block;margin:6px 0 14px} .ct{font-size:13px;font-weight:600} .plot{fill:#fbfcfd;stroke:#d0d7de}
.grid{stroke:#eaeef2} .axis{stroke:#8c959f} .yt{font-size:11px;text-anchor:end;fill:#57606a}
.xt{font-size:11px;text-anchor:middle;fill:#57606a} .xl{font-size:11px;text-anchor:end;fill:#57606a}
.yl{font-size:11px;text-anchor:middle;fill:#57606a} .lg{font-size:11px;fill:#1b1f24}
.stall{fill:#cf222e;fill-opacity:.18} .failover{stroke:#8250df;stroke-width:2;stroke-dasharray:4 3}
.abandon{fill:#bc4c00} .abandon-line{stroke:#bc4c00;stroke-width:1;stroke-dasharray:1 3}
tr.aborted td{background:#fff1e5} .warn{color:#bc4c00;font-weight:600}
.muted{color:#57606a;font-size:12px} .bad{color:#cf222e;font-weight:600} .good{color:#1a7f37;font-weight:600}
"""

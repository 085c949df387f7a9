"""The QA matrix summary as a self-contained HTML page (one row per cell, failures in red, each with its cause)."""
from __future__ import annotations

import html
from typing import Any

from ui.qa_matrix import FIGURES
from ui.svg_chart import CSS


def render_summary(summary: dict[str, Any]) -> str:
    """The summary table as a self-contained HTML page (one row per cell, failures in red)."""
    head = "".join(f"<th>{c}</th>" for c in ("#", "target", "trace", "fault", *FIGURES, "verdict", "report"))
    rows = []
    for r in summary["cells"]:
        cls = "pass" if r["passed"] else "fail"
        verdict = "pass" if r["passed"] else "FAIL: " + "; ".join(r["failed"])
        link = (f'<a href="{html.escape(r["html"])}">html</a> · <a href="{html.escape(r["report"])}">json</a> · '
                f'<a href="{html.escape(r["csv"])}">csv</a>') if r.get("html") else "–"
        figures = "".join(f"<td>{'–' if r.get(c) is None else html.escape(str(r.get(c)))}</td>" for c in FIGURES)
        rows.append(f'<tr class="{cls}"><td>{r["cell"]}</td><td class="l">{html.escape(r["target"])}</td>'
                    f'<td class="l">{html.escape(r["trace"])}</td><td class="l">{html.escape(r["fault"])}</td>{figures}'
                    f'<td class="l v">{html.escape(verdict)}</td><td class="l">{link}</td></tr>')
    thresholds = ", ".join(f"{k} {v:g}" for k, v in summary["thresholds"].items()) or "none"
    state = (f'<span class="bad">{summary["failed"]} of {summary["total"]} cells failed</span>' if summary["failed"]
             else f'<span class="good">all {summary["total"]} cells passed</span>')
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Reelbox QA matrix</title>"
            f"<style>{CSS}</style></head><body><h1>Reelbox QA matrix</h1><p>{state} · {summary['jobs']} at once · "
            f"{summary['elapsed_s']} s</p><p class=\"muted\">Thresholds: {html.escape(thresholds)}</p>"
            f"<table><tr>{head}</tr>{''.join(rows)}</table></body></html>")

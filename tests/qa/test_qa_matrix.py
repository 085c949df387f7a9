"""`reelbox qa` against the bundled backend (issue 9): the matrix finishes, renders, agrees with each session's report."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from ui.qa import FIGURES, Runner, judge, load_matrix, render_summary, run_cli
from ui.report_html import charts, render_report, summary_rows

from qakit import QA_TITLES

TRACE = [{"duration_ms": 4000, "bandwidth_kbps": 1500, "latency_ms": 20},
         {"duration_ms": 4000, "bandwidth_kbps": 900, "latency_ms": 20}]


def _matrix(tmp_path: Path, library: Path, body: str) -> Path:
    (tmp_path / "trace.json").write_text(json.dumps(TRACE))
    path = tmp_path / "matrix.toml"
    path.write_text(f'[qa]\nbackend = "bundled"\ndata = "{library}"\njobs = 2\nuntil_s = 12\nbuffer_s = 6\n' + body)
    return path


def test_matrix_of_faults_runs_renders_and_agrees_with_each_sessions_report(tmp_path: Path, qa_library: Path) -> None:
    """1 title × 1 trace × {none, edge 0 down at 6 s, 5 % 503s}: every cell plays, figures equal its own QoE report."""
    matrix = load_matrix(_matrix(tmp_path, qa_library, f"""
targets = ["{QA_TITLES[0]}"]
traces = ["trace.json"]
[thresholds]
max_decoder_errors = 0
max_errors = 0
min_played_ratio = 0.9
[[faults]]
name = "none"
[[faults]]
name = "edge0-down-6s"
at_s = 6
edges = [0]
body = {{ down = true }}
[[faults]]
name = "503-5pct"
body = {{ error_status = 503, error_fraction = 0.05, seed = 3 }}
"""))
    out = tmp_path / "out"
    summary = asyncio.run(Runner(matrix, out).run())

    assert summary["total"] == 3 and summary["failed"] == 0, summary["cells"]
    saved = json.loads((out / "summary.json").read_text())
    page = (out / "summary.html").read_text()
    assert saved["cells"] == summary["cells"]
    for row in summary["cells"]:
        report = json.loads((out / row["report"]).read_text())
        assert {k: row[k] for k in FIGURES} == {k: report.get(k) for k in FIGURES}
        assert f"<td>{report['avg_bitrate_kbps']}</td>" in page and f"<td>{report['startup_ms']}</td>" in page
        assert row["abandonments"] == report["abandonments"] == len(report["abandon_events"])
        cell_page = (out / row["html"]).read_text()
        assert cell_page.count("<svg") == 6 and "<script" not in cell_page and "http-equiv" not in cell_page
        assert (out / row["csv"]).read_text().count("\n") == len(report["requests"]) + 1
    down = next(r for r in summary["cells"] if r["fault"] == "edge0-down-6s")
    down_report = json.loads((out / down["report"]).read_text())
    assert down["cdn_failovers"] >= 1
    assert any(r["failover_to"] == 1 and r["cdn"] == 0 for r in down_report["requests"])
    assert all(s["cdn"] == 1 for s in down_report["segments"] if s["at_s"] > 8.0)


def test_a_cell_crossing_a_threshold_makes_qa_exit_1(tmp_path: Path, qa_library: Path, capsys) -> None:
    """An unreachable bitrate floor fails the cell: exit status 1, the verdict names the figure."""
    path = _matrix(tmp_path, qa_library, f"""
targets = ["{QA_TITLES[1]}"]
traces = ["none"]
[thresholds]
min_avg_bitrate_kbps = 100000
""")
    assert run_cli(str(path), out_dir=str(tmp_path / "out")) == 1
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["failed"] == 1 and summary["cells"][0]["failed"][0].startswith("avg_bitrate_kbps")
    assert "FAIL" in capsys.readouterr().out


def test_judge_applies_max_and_min_limits() -> None:
    """Thresholds: max crossed above, min crossed below, played ratio from the expected length, error count."""
    report = {"startup_ms": 900.0, "rebuffer_s": 2.5, "qoe_lin": 0.4, "played_s": 9.0, "errors": [{"code": "X"}]}
    failed = judge(report, {"max_startup_ms": 1000, "max_rebuffer_s": 2.0, "min_qoe_lin": 0.5,
                            "min_played_ratio": 0.95, "max_errors": 0}, expected_s=10.0)
    assert failed == ["rebuffer_s 2.5 > 2", "qoe_lin 0.4 < 0.5", "played_ratio 0.9 < 0.95", "errors 1 > 0"]
    assert judge({"abandonments": 3}, {"max_abandonments": 2}, None) == ["abandonments 3 > 2"]
    assert judge({"abandonments": 2}, {"max_abandonments": 2}, None) == []


def test_judge_fails_an_incomplete_play_whatever_its_exit() -> None:
    """A report that says the play was incomplete fails the cell; a live report has no end to reach."""
    assert judge({"complete": False}, {}, None) == ["incomplete play (the report's complete is false)"]
    assert judge({"complete": False, "live": True}, {}, None) == []
    assert judge({"complete": True}, {}, None) == []


def test_expected_length_is_the_presentation_not_what_was_fetched() -> None:
    """A session that stopped early fetched less; the played ratio is against the title's duration."""
    from ui.qa import _expected_length

    report = {"duration_s": 60.0, "start_s": 10.0, "segments": [{"type": "video", "start_s": 0.0, "duration_s": 4.0}]}
    assert _expected_length(report) == 50.0
    assert _expected_length({**report, "live": True}) is None


def test_summary_page_shows_abandonments_per_cell_next_to_failovers() -> None:
    """The matrix table has an abandonments column after CDN failovers, with each cell's count."""
    cells = [{"cell": i, "target": "t", "trace": "none", "fault": "none", "passed": True, "failed": [],
              "cdn_failovers": 7, "abandonments": n} for i, n in enumerate((0, 5))]
    page = render_summary({"cells": cells, "total": 2, "failed": 0, "thresholds": {}, "jobs": 1, "elapsed_s": 1.0})
    assert "<th>cdn_failovers</th><th>abandonments</th>" in page
    assert page.count("<td>7</td><td>0</td>") == 1 and page.count("<td>7</td><td>5</td>") == 1


def test_html_report_plots_every_series_over_time() -> None:
    """The page draws bitrate, buffer, estimate vs measured and CDN plots, with stall bands and failover lines."""
    report = {
        "target": "t<1>", "startup_ms": 500.0, "rebuffer_events": [[3.0, 4.0]],
        "segments": [{"type": "video", "at_s": 1.0 + i, "bitrate_kbps": 300.0 * (i + 1), "buffer_s": float(i),
                      "download_ms": 500.0, "bytes": 40_000, "estimate_kbps": 700.0, "cdn": i % 2} for i in range(4)],
        "requests": [{"t_s": 2.0, "kind": "segment", "cdn": 0, "url": "u", "status": None, "bytes": 0, "ttfb_s": None,
                      "duration_s": 0.2, "retries": 0, "error": "ConnectFailed: x", "failover_to": 1},
                     {"t_s": 2.2, "kind": "segment", "cdn": 1, "url": "u", "status": 200, "bytes": 9, "ttfb_s": 0.01,
                      "duration_s": 0.1, "retries": 1, "error": None, "failover_to": None}],
    }
    plotted = charts(report)
    assert [len(s.points) for c in plotted for s in c.series] == [4, 4, 4, 4, 1, 1]
    page = render_report(report)
    assert page.count('class="stall"') == 4 and page.count('class="failover"') == 4
    assert "t&lt;1&gt;" in page and re.search(r"<polyline points=\"[^\"]+\"", page)


def _report_with_abandonments(abandons: list[dict], aborted: bool) -> dict:
    """A recorded report's shape: three video segments, the second refetched lower after an abandonment."""
    return {
        "target": "t", "abandonments": len(abandons), "abandon_events": abandons,
        "segments": [{"type": "video", "at_s": 1.0 + i, "bitrate_kbps": (900.0, 300.0, 300.0)[i], "buffer_s": 2.0,
                      "download_ms": 400.0, "bytes": 30_000, "cdn": 0} for i in range(3)],
        "requests": [{"t_s": 2.0, "kind": "segment", "cdn": 0, "url": "u", "status": None, "bytes": 5000,
                      "ttfb_s": 0.02, "duration_s": 0.3, "retries": 0, "aborted": aborted, "failover_to": None,
                      "error": "Aborted: abandoned by the ABR after 5000 bytes" if aborted else None},
                     {"t_s": 2.3, "kind": "segment", "cdn": 0, "url": "u", "status": 200, "bytes": 30_000,
                      "ttfb_s": 0.02, "duration_s": 0.4, "retries": 0, "error": None, "failover_to": None}],
    }


def test_html_report_flags_abandonments_and_shows_aborted_requests_apart_from_failures() -> None:
    """Each abandonment is a flag on the bitrate plot and a summary figure; an aborted request is no failure."""
    abandons = [{"t_s": 2.3, "index": 1, "from_rung": 2, "to_rung": 0, "received": 5000}]
    report = _report_with_abandonments(abandons, aborted=True)
    bitrate, *_, cdn = charts(report)
    assert [f[0] for f in bitrate.flags] == [2.3] and "segment 1 abandoned at rung 2" in bitrate.flags[0][1]
    assert {s.name: len(s.points) for s in cdn.series} == {"ok": 1, "failed": 0, "aborted": 1}
    assert ("ABR abandonments", "1") in summary_rows(report)
    page = render_report(report)
    assert page.count('class="abandon"') == 1 and "Orange flags" in page
    assert page.count('<tr class="aborted">') == 1 and 'class="fail"' not in page
    assert "Requests (2; 1 aborted)" in page and 'class="warn">Aborted: abandoned by the ABR' in page

    control = _report_with_abandonments([], aborted=False)
    bitrate, *_, cdn = charts(control)
    assert bitrate.flags == () and [s.name for s in cdn.series] == ["ok", "failed"]
    assert ("ABR abandonments", "0") in summary_rows(control)
    page = render_report(control)
    assert 'class="abandon"' not in page and "Orange flags" not in page and 'class="aborted"' not in page
    assert "Requests (2)" in page


def test_html_report_spans_the_whole_session_and_media_time() -> None:
    """On a fast link every segment arrives in the first 0.3 s of a 6 s session: the wall-clock plots still run to
    the session's end, and the media-time plots place each segment at the position it covers."""
    from ui.report_html import media_charts

    report = {
        "target": "fast", "startup_ms": 40.0, "played_s": 6.0, "rebuffer_s": 0.0, "start_s": 0.0,
        "segments": [{"type": "video", "at_s": 0.05 + 0.08 * i, "bitrate_kbps": 300.0, "buffer_s": 2.0 * i,
                      "download_ms": 10.0, "bytes": 9000, "start_s": 2.0 * i, "duration_s": 2.0, "cdn": 0}
                     for i in range(3)],
        "requests": [],
    }
    assert all(c.x_max >= 6.0 for c in charts(report))
    bitrate, arrival = media_charts(report)
    assert bitrate.x_max == 6.0 and [p[0] for p in bitrate.series[0].points] == [0.0, 2.0, 4.0]
    arrived, needed = arrival.series
    assert all(a[1] < n[1] for a, n in zip(arrived.points[1:], needed.points[1:]))
    page = render_report(report)
    assert "Over media time" in page and "media time (s)" in page and "Over wall-clock time" in page

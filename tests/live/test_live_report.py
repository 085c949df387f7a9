"""The HTML report of a live session plots latency against its target; a VOD report has no such plot."""
from __future__ import annotations

from ui.report_html import charts, render_report, summary_rows

LIVE = {"live": True, "latency_target_s": 2.5, "latency_s": [[0.5, 4.1], [1.0, 3.9], [1.5, 3.6]], "played_s": 2.0,
        "startup_ms": 300.0, "segments": [], "requests": [], "rebuffer_events": []}


def test_live_report_plots_latency_and_target() -> None:
    """One more chart, with the samples and a flat target line across the session."""
    drawn = charts(LIVE)
    latency = [c for c in drawn if c.title.startswith("Live latency")]
    assert len(latency) == 1
    series = {s.name: s.points for s in latency[0].series}
    assert series["latency"] == ((0.5, 4.1), (1.0, 3.9), (1.5, 3.6))
    assert {y for _, y in series["target"]} == {2.5}
    assert "Live latency" in render_report(LIVE)
    assert not any(c.title.startswith("Live latency") for c in charts({**LIVE, "live": False}))


def test_the_page_says_whether_the_play_was_whole_and_lists_its_notices_with_their_times() -> None:
    """A play that went on over a DVR window the viewer paused past: whole, one notice. The page named neither (errors
    only), so a QA engineer reading it never saw a stretch of the channel go unshown; markup in a message is escaped."""
    report = {**LIVE, "complete": True, "errors": [], "notices": [
        {"code": "LiveWindowPassed", "message": "the DVR window moved <past> the playhead", "t_s": 14.25}]}
    page = render_report(report)
    assert summary_rows(report)[0] == ("played in full", "yes")
    assert "<h2>Notices (1)</h2>" in page and "14.25 s: LiveWindowPassed: the DVR window moved &lt;past&gt;" in page
    assert "<h2>Errors" not in page
    failed = render_report({**report, "complete": False, "notices": [],
                            "errors": [{"code": "IncompletePlay", "message": "stopped at 8.0 s", "at_s": 30.5}]})
    assert "<h2>Errors (1)</h2>" in failed and "30.5 s: IncompletePlay: stopped at 8.0 s" in failed
    assert "Notices" not in failed and ("played in full", "no") in summary_rows({**report, "complete": False})

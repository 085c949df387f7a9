"""The HTML report of a live session plots latency against its target; a VOD report has no such plot."""
from __future__ import annotations

from ui.report_html import charts, render_report

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

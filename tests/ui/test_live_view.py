"""The live play's reading of a stats poll (``ui.app.live_view``): what the overlay, keys and seeks act on."""
from __future__ import annotations

from typing import Any

import pytest

from ui.app.live_view import LiveView, behind_text


def _stats(position_s: float, *, latency_s: float | None, timeshift: bool = False) -> dict[str, Any]:
    return {"position_s": position_s, "duration_s": None,
            "live": {"start_s": 100.0, "edge_s": 220.0, "latency_s": latency_s, "target_s": 3.0, "timeshift": timeshift}}


def test_a_vod_poll_has_no_live_view() -> None:
    """Only a poll with the live figures is live."""
    assert LiveView.from_stats({"position_s": 3.0, "duration_s": 6.0}) is None
    assert LiveView.from_stats({}) is None


def test_a_playhead_at_the_timeline_start_is_not_read_as_the_edge() -> None:
    """Position 0.0 is the oldest media (an HLS window's first segment), not a missing position: read as the edge it
    made a play 120 s behind look "at live"."""
    view = LiveView.from_stats({"position_s": 0.0, "live": {"start_s": 0.0, "edge_s": 120.0, "latency_s": 121.0,
                                                               "target_s": 3.0, "timeshift": False}})
    assert view is not None and view.position_s == 0.0 and view.behind_s == 120.0
    missing = LiveView.from_stats({**_stats(0, latency_s=None), "position_s": None})
    assert missing is not None and missing.position_s == 220.0


@pytest.mark.parametrize(("seconds", "text"), [(0, "−0:00"), (4.4, "−0:04"), (42, "−0:42"), (125, "−2:05"),
                                               (3723, "−1:02:03"), (-2, "−0:00")])
def test_behind_live_reads_with_a_minus_sign(seconds: float, text: str) -> None:
    """Times behind live read as broadcasters show them, with a real minus sign."""
    assert behind_text(seconds) == text


def test_at_live_follows_timeshift_and_latency() -> None:
    """Lit while following live within the slack; unlit in timeshift or when far behind (a long pause)."""
    view = LiveView.from_stats(_stats(216.5, latency_s=3.5))
    assert view is not None and view.at_live and view.behind_s == pytest.approx(3.5)
    assert not LiveView.from_stats(_stats(216.5, latency_s=3.5, timeshift=True)).at_live  # type: ignore[union-attr]
    assert not LiveView.from_stats(_stats(200.0, latency_s=20.0)).at_live  # type: ignore[union-attr]
    assert LiveView.from_stats(_stats(216.5, latency_s=None)).at_live  # type: ignore[union-attr]  # no clock yet: the window says


def test_a_seek_at_the_edge_goes_live_or_does_nothing() -> None:
    """Inside the window a seek is a seek; at the edge it is Go live from timeshift, and nothing when already live."""
    live = LiveView.from_stats(_stats(216.5, latency_s=3.5))
    shifted = LiveView.from_stats(_stats(180.0, latency_s=40.0, timeshift=True))
    assert live is not None and shifted is not None
    assert live.seek_action(206.5) == "seek" and shifted.seek_action(190.0) == "seek"
    assert live.seek_action(226.5) == "none"  # → at live
    assert shifted.seek_action(216.5) == "go-live" and shifted.seek_action(300.0) == "go-live"

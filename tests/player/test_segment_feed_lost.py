"""What a live loop does with a segment every CDN says is not there (``SegmentFeed.lost``), against a DVR window the test
moves: a hole inside the window is one miss of a run; one answered after the window passed it was deleted meanwhile and
goes with the segments after it up to the window, one stretch. Real SegmentFeed, QoeTracker and AbrSession; the window
is a number (the follower's is tested with real channels in ``tests/live/test_live_pause.py``)."""
from __future__ import annotations

import pytest

from abr.algorithms import default_algorithm
from abr.session import AbrSession
from player.errors import FetchError, LiveStreamStopped
from player.init_cache import InitCache
from player.manifest import Rendition, SegmentRef
from player.net import ManualClock
from player.qoe import QoeTracker
from player.scheduling.segment_feed import SegmentFeed
from player.scheduling.timeline import TrackProgress
from player.source import Fetched

SEGMENTS = [SegmentRef(number=n, start_s=float(n), duration_s=1.0, urls=(f"https://cdn.test/{n}.ts",)) for n in range(40)]
GONE = FetchError("HTTP 404 on every CDN")


class _Window:
    oldest = 0.0

    def oldest_s(self) -> float:
        return self.oldest


def _feed(window: _Window) -> tuple[SegmentFeed, QoeTracker]:
    qoe = QoeTracker(target="t", opened_at=0.0)
    abr = AbrSession(algorithm=default_algorithm(), bitrates_kbps=(300.0, 800.0), segment_duration_s=1.0,
                     buffer_capacity_s=4.0)
    return SegmentFeed(source=None, sink=None, qoe=qoe, clock=ManualClock(), abr=abr,  # type: ignore[arg-type]
                       top_kbps=800.0, keys=None, init_cache=InitCache(), live=window), qoe


def _skipped(qoe: QoeTracker) -> list[str]:
    return [e.message for e in qoe.errors if e.code == "SegmentSkipped"]


def test_a_segment_deleted_behind_the_window_goes_with_those_after_it_up_to_the_window_and_no_further_than_until() -> None:
    window = _Window()
    feed, qoe = _feed(window)
    window.oldest = 14.0
    assert feed.lost("video", SEGMENTS, 8, TrackProgress(), GONE) == 14  # from the window's oldest, 8-14 one stretch
    window.oldest = 30.0
    assert feed.lost("video", SEGMENTS, 20, TrackProgress(), GONE, end=25) == 25  # --until: no stretch past it
    assert _skipped(qoe) == ["segment 8.0–14.0 s skipped (deleted behind the live window before a CDN delivered it)",
                             "segment 20.0–25.0 s skipped (deleted behind the live window before a CDN delivered it)"]


def test_misses_either_side_of_a_deleted_stretch_are_no_run_and_a_delivery_ends_both_runs() -> None:
    """Before, a stretch neither counted nor reset the run: "segments from 10 to 18 s are missing ... the encoder has
    stopped" spanned a stretch already named as deleted."""
    window = _Window()
    feed, _ = _feed(window)
    assert feed.lost("video", SEGMENTS, 10, TrackProgress(), GONE) == 11  # a hole in the window: miss 1
    window.oldest = 16.0
    assert feed.lost("video", SEGMENTS, 11, TrackProgress(), GONE) == 16  # deleted 11-16: a run starts after it
    assert feed.lost("video", SEGMENTS, 16, TrackProgress(), GONE) == 17
    assert feed.lost("video", SEGMENTS, 17, TrackProgress(), GONE) == 18  # misses 1 and 2 of a new run
    with pytest.raises(LiveStreamStopped, match="segments from 16.0 to 19.0 s are missing"):
        feed.lost("video", SEGMENTS, 18, TrackProgress(), GONE)


def test_deleted_stretches_in_a_row_with_nothing_delivered_end_the_play_naming_both_causes() -> None:
    """A dead encoder on a ``$Number$`` MPD whose window moves with the clock, each 404 slower than a segment: every
    answer comes after the window passed it, so the play skipped stretches for ever and never named it. Two stretches
    and a delivery (a CDN that held requests, then recovered) go on."""
    window = _Window()
    feed, _ = _feed(window)

    def deleted(oldest: float, at: int) -> None:
        window.oldest = oldest
        feed.lost("video", SEGMENTS, at, TrackProgress(), GONE)

    deleted(12.0, 10)
    deleted(15.0, 12)
    feed.record("video", Rendition(id="v", bandwidth=300_000), SEGMENTS[15], Fetched(body=b"x", cdn=0, seconds=0.1, ttfb_s=0.05), 15, 1.0)
    deleted(20.0, 18)
    deleted(23.0, 20)
    with pytest.raises(LiveStreamStopped, match="no video segment came from 18.0 to 26.0 s: each was deleted behind"):
        deleted(26.0, 23)

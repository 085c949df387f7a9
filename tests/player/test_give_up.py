"""Giving up on a segment only when the buffer is dry and the retries are spent (issue 16), on ManualClock."""
from __future__ import annotations

import pytest
from schedkit import SEGMENT_S, World, files_for, presentation, run, with_length, world

from player.errors import FetchError
from player.net import ConnectFailed, FetchResult, SegmentRequest
from player.net.testing import files_handler
from player.scheduling.give_up import DRY_S, RETRIES, may_give_up


def _outage(p, window: list[float], w_of: list[World]):  # type: ignore[no-untyped-def]
    """Both CDNs refuse every request while the clock is inside ``window`` ([start, end], set later)."""
    served = with_length(files_handler(files_for(p)))

    def handler(request: SegmentRequest) -> FetchResult:
        if window and window[0] <= w_of[0].clock.now() < window[1]:
            raise ConnectFailed("both edges down")
        return served(request)
    return handler


def _run_with_outage(p, down_s: float, buffered_s: float) -> World:  # type: ignore[no-untyped-def]
    window: list[float] = []
    holder: list[World] = []

    def build() -> World:
        holder.append(world(p, handler=_outage(p, window, holder)))
        return holder[0]

    async def take_down(w: World) -> None:
        while w.scheduler.buffer_s() < buffered_s:
            await w.clock.sleep(0.1)
        window.extend([w.clock.now(), w.clock.now() + down_s])

    run(build, during=take_down)
    return holder[0]


def test_both_edges_down_8_s_with_20_s_buffered_gives_no_rebuffer() -> None:
    """An 8 s outage of every CDN with >= 20 s buffered: failed fetches are retried while the buffer lasts,
    every segment arrives before the playhead reaches it (no rebuffer) and none is missing."""
    p = presentation(30)
    w = _run_with_outage(p, down_s=8.0, buffered_s=20.0)
    fed = [(r, at) for kind, r, _, at in w.sink.added if kind == "video"]
    assert len(fed) == 30 and w.sink.finished_at is not None
    assert [s.index for s in w.qoe.ladder_segments()] == list(range(30))
    for index, (_, at) in enumerate(fed[1:], start=1):  # the playhead started at clock 1000
        assert at - 1000.0 < index * SEGMENT_S, f"segment {index} came after the playhead reached it"
    failed = [r for r in w.pool.records if r.error and "both edges down" in r.error]
    assert len(failed) > 2 * (RETRIES + 1)  # more failures than the old fixed budget allowed


def test_an_outage_longer_than_the_buffer_ends_the_run_with_the_fetch_error() -> None:
    """With only ~4 s buffered, a long outage drains the buffer; then the retries run out and the error surfaces."""
    with pytest.raises(FetchError):
        _run_with_outage(presentation(30), down_s=600.0, buffered_s=4.0)


def test_a_paused_viewer_keeps_the_play_through_an_outage_and_it_ends_once_played_dry() -> None:
    """Paused with ~20 s buffered while every CDN is down: 120 s paused spend none of the budget; played on, the
    buffer drains and the same fetch error ends the play. (The wall-time budget was spent by the pause: the first
    retry after it ended the play at once, 23 s still buffered.)"""
    p = presentation(30)
    window: list[float] = []
    holder: list[World] = []
    marks: dict[str, float] = {}

    def build() -> World:
        holder.append(world(p, handler=_outage(p, window, holder)))
        return holder[0]

    async def pause_through_the_outage(w: World) -> None:
        while w.scheduler.buffer_s() < 20.0:
            await w.clock.sleep(0.1)
        window.extend([w.clock.now(), w.clock.now() + 10_000.0])  # the CDNs never come back
        w.pause(True)
        await w.clock.sleep(120.0)
        marks["resumed_at"], marks["buffered"] = w.clock.now(), w.scheduler.buffer_s()
        w.pause(False)

    with pytest.raises(FetchError, match="both edges down"):
        run(build, during=pause_through_the_outage)
    assert marks, "the play ended while the viewer was paused"
    assert marks["buffered"] >= 18.0
    assert holder[0].clock.now() - marks["resumed_at"] >= marks["buffered"] - DRY_S  # it played the buffer dry first


def test_give_up_rule() -> None:
    """Never while media is buffered; with the buffer (nearly) dry, only after more than RETRIES failures."""
    assert not may_give_up(100, DRY_S + 0.5)
    assert not may_give_up(RETRIES, 0.0)
    assert may_give_up(RETRIES + 1, 0.0) and may_give_up(RETRIES + 1, DRY_S / 2)  # a frame short of the end is dry


def test_patience_drains_by_the_clock_when_the_playhead_stops_short() -> None:
    """A playhead stuck 1.5 s short of what was fed (muxer hold-back) never reads dry: the buffer held at the
    first failure counts as spent once that long has passed, so a dead segment ends instead of hanging."""
    from player.net.clock import ManualClock
    from player.scheduling.give_up import Patience

    clock = ManualClock()
    patience = Patience(clock, lambda: 1.5)
    verdicts = []
    for _ in range(RETRIES + 1):
        verdicts.append(patience.failed())
        clock.advance(0.2)
    assert verdicts == [False] * (RETRIES + 1)  # 0.8 s passed of the 1.5 s the buffer held
    clock.advance(1.0)
    assert patience.failed()

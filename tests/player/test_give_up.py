"""Giving up on a segment only when the buffer is dry and the retries are spent (issue 16), on ManualClock."""
from __future__ import annotations

from schedkit import SEGMENT_S, World, files_for, presentation, run, with_length, world

from player.net import ConnectFailed, FetchResult, SegmentRequest
from player.net.testing import files_handler
from player.scheduling.give_up import RETRIES, may_give_up


def _outage(p, window: list[float], w_of: list[World]):  # type: ignore[no-untyped-def]
    """Both CDNs refuse every request while the clock is inside ``window`` ([start, end], set later)."""
    served = with_length(files_handler(files_for(p)))

    def handler(request: SegmentRequest) -> FetchResult:
        if window and window[0] <= w_of[0].clock.now() < window[1]:
            raise ConnectFailed("both edges down")
        return served(request)
    return handler


def _run_with_outage(p, down_s: float, buffered_s: float, window: list[float] | None = None) -> World:  # type: ignore[no-untyped-def]
    window = [] if window is None else window
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
    assert [s.index for s in w.qoe.video_segments()] == list(range(30))
    for index, (_, at) in enumerate(fed[1:], start=1):  # the playhead started at clock 1000
        assert at - 1000.0 < index * SEGMENT_S, f"segment {index} came after the playhead reached it"
    failed = [r for r in w.pool.records if r.error and "both edges down" in r.error]
    assert len(failed) > 2 * (RETRIES + 1)  # more failures than the old fixed budget allowed


def test_an_outage_longer_than_the_buffer_skips_segments_only_once_it_ran_dry() -> None:
    """With ~4 s buffered, a long outage: nothing is given up while media is buffered; once the buffer is dry
    and the retries are spent, the segment is skipped and reported (the rest of the run goes on)."""
    window: list[float] = []
    w = _run_with_outage(presentation(30), down_s=600.0, buffered_s=4.0, window=window)
    skips = [e for e in w.qoe.errors if e.code == "SegmentSkipped"]
    assert skips and w.scheduler.skipped
    playhead_at_outage = window[0] - 1000.0
    first = min(ref.start_s for ref in w.scheduler.skipped)
    assert first >= playhead_at_outage + 4.0 - SEGMENT_S  # the buffered media played
    first_skip_at = min(e.at_s for e in skips) + w.qoe.opened_at - 1000.0  # playhead time of the first skip
    assert first_skip_at >= first  # given up only after the playhead reached the missing segment


def test_give_up_rule() -> None:
    """Never while media is buffered; with the buffer dry, only after more than RETRIES failures."""
    assert not may_give_up(100, 0.5)
    assert not may_give_up(RETRIES, 0.0)
    assert may_give_up(RETRIES + 1, 0.0)

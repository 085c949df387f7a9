"""A live play for hours holds a DVR window's worth of segments, not every one it has seen, and plays on in order.

The follower lets segments go ``LET_GO_BEHIND_S`` behind the DVR window; the loops carry their positions across
(the report's index keeps counting from the play's first). Real follower, refreshers, pool, loops and ABR on a
``ManualClock``: ten minutes of a sliding-window channel take a few seconds.
"""
from __future__ import annotations

from livekit import SlidingChannel, play
from schedkit import SEGMENT_S

from player.live.follower import LET_GO_BEHIND_S
from player.live.live_index import LiveIndex
from player.manifest import SegmentRef
from player.net import ManualClock
from player.scheduling.ladder import carried

PLAY_S = 600.0


def test_a_long_live_play_holds_a_window_of_segments_and_plays_every_one_in_order() -> None:
    w, follower, held = play(SlidingChannel(ManualClock()), PLAY_S)
    video = w.qoe.ladder_segments()
    audio = [s for s in w.qoe.segments if s.type == "audio"]
    assert len(video) >= PLAY_S / SEGMENT_S - 1
    # every segment once, in order, on one timeline, numbered from the play's first whatever was let go
    for records in (video, audio):
        assert [s.index for s in records] == list(range(records[0].index, records[0].index + len(records)))
        starts = [s.start_s for s in records]
        assert all(abs(b - a - SEGMENT_S) < 1e-6 for a, b in zip(starts, starts[1:]))
    assert not w.qoe.errors
    # what is kept: the window (5 segments) and LET_GO_BEHIND_S before it, not the 300 seen
    bound = 5 + LET_GO_BEHIND_S / SEGMENT_S + 2
    assert max(held) <= bound, max(held)
    assert all(len(i.segments) <= bound for i in follower._indexes().values())


def test_a_play_paused_longer_than_what_is_kept_names_what_was_let_go_and_plays_on() -> None:
    pause_s = LET_GO_BEHIND_S + 60.0
    w, _follower, _held = play(SlidingChannel(ManualClock()), PLAY_S, pause=(60.0, pause_s))
    skipped = [e for e in w.qoe.errors if "let go behind the live window" in e.message]
    assert skipped, [e.message for e in w.qoe.errors]
    video = w.qoe.ladder_segments()
    starts = [s.start_s for s in video]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert starts[-1] >= video[0].start_s + PLAY_S - 2 * SEGMENT_S  # on to the end after the jump


def _refs(first: int, count: int) -> list[SegmentRef]:
    return [SegmentRef(number=n, start_s=(n - first) * SEGMENT_S, duration_s=SEGMENT_S, urls=(f"{n}.ts",))
            for n in range(first, first + count)]


def test_segments_let_go_leave_the_timeline_and_later_reloads_where_they_were() -> None:
    index = LiveIndex()
    index.merge(_refs(10, 6))  # 10..15 at 0..12 s
    assert index.let_go_before(5.0) == 2  # 10 and 11 end at 2 and 4 s
    assert [s.number for s in index.segments] == [12, 13, 14, 15]
    index.merge(_refs(14, 4))  # a reload whose window starts at 14: its times restart at 0
    assert [(s.number, s.start_s) for s in index.segments][-2:] == [(16, 12.0), (17, 14.0)]
    assert index.let_go_before(1e9) == 5  # never the newest: the next reload is merged after it
    assert [s.number for s in index.segments] == [17]


def test_a_position_is_carried_across_the_segments_let_go() -> None:
    before = tuple(_refs(0, 10))
    after = tuple(_refs(0, 12)[4:])
    assert carried(6, before, after) == 2  # the segment at 12 s
    assert carried(10, before, after) == 6  # past the end: the first new one (20 s)
    assert carried(6, before, tuple(_refs(0, 12))) == 6


def test_a_switch_point_let_go_from_the_middle_of_an_unaligned_ladder_does_not_move_the_position() -> None:
    """Rungs of 2 s and 6 s segments let go by end time: at a floor of 10 s the 2 s rung's 8–10 s segment goes while
    the 6 s rung's 6–12 s stays, so the point at 8 s leaves from the middle of the switch points. Carried by time the
    loop stays at 10 s; by a count of the points gone before the first it skipped to 12 s, with nothing named."""
    def points(starts: list[float]) -> tuple[SegmentRef, ...]:
        return tuple(SegmentRef(number=i, start_s=t, duration_s=2.0, urls=()) for i, t in enumerate(starts))

    before = points([0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0])
    after = points([6.0, 10.0, 12.0, 14.0, 16.0])
    assert after[carried(5, before, after)].start_s == 10.0

"""Switch points of a ladder whose rungs start their segments at different times (pure; ``player.scheduling``)."""
from __future__ import annotations

from player.manifest import Rendition, SegmentRef
from player.scheduling.ladder import Ladder


def _rung(rid: str, bandwidth: int, durations: list[float], first_s: float = 0.0, gaps: tuple[int, ...] = ()) -> Rendition:
    segments, at = [], first_s
    for n, duration in enumerate(durations):
        segments.append(SegmentRef(number=n, start_s=at, duration_s=duration, urls=(f"{rid}{n}.ts",), gap=n in gaps))
        at += duration
    return Rendition(id=rid, bandwidth=bandwidth, segments=tuple(segments))


def test_equal_segment_starts_keep_the_lowest_rungs_segments_as_the_positions() -> None:
    ladder = Ladder((_rung("lo", 1, [2.0] * 6), _rung("hi", 2, [2.0] * 6)))
    assert ladder.aligned and ladder.timeline == ladder[0].segments
    assert ladder.next_index(2, ladder[1].segments[2]) == 3
    assert ladder.open_rung(3, 1, current=0) == 1


def test_a_live_window_one_segment_short_on_one_rung_is_still_aligned() -> None:
    ladder = Ladder((_rung("lo", 1, [2.0] * 5, first_s=10.0), _rung("hi", 2, [2.0] * 6, first_s=10.0)))
    assert ladder.aligned


def test_two_and_three_second_rungs_switch_only_where_both_start_a_segment() -> None:
    ladder = Ladder((_rung("lo", 1, [2.0] * 6), _rung("hi", 2, [3.0] * 4)))
    assert not ladder.aligned
    assert [p.start_s for p in ladder.timeline] == [0, 2, 3, 4, 6, 8, 9, 10]
    at_2, at_6 = 1, 4
    assert ladder.open_rung(at_2, 1, current=0) == 0  # hi has no segment starting at 2 s: the climb waits
    assert ladder.open_rung(at_6, 1, current=0) == 1
    assert ladder.segment(ladder[1], at_6).start_s == 6.0
    assert ladder.next_index(at_6, ladder.segment(ladder[1], at_6)) == 6  # 9 s: hi's next segment
    assert ladder.open_rung(6, 0, current=1) == 1  # lo starts no segment at 9 s: the way down waits too
    assert ladder.lowest_open(6) == 1 and ladder.lowest_open(at_6) == 0


def test_on_the_way_down_a_closed_rung_gives_way_to_the_nearest_open_one_below() -> None:
    """Three rungs: 2 s, 3 s and 2 s segments. At 2 s the middle rung starts no segment: a step down from the top
    to it goes on down to the bottom rung (open there) rather than staying on top, and after an abandonment
    (no rung being played counts) the same."""
    ladder = Ladder((_rung("lo", 1, [2.0] * 6), _rung("mid", 2, [3.0] * 4), _rung("hi", 3, [2.0] * 6)))
    at_2 = 1
    assert [p.start_s for p in ladder.timeline][at_2] == 2.0
    assert ladder.open_rung(at_2, 1, current=2) == 0
    assert ladder.open_rung(at_2, 1) == 0
    assert ladder.open_rung(at_2, 1, current=0) == 0  # the climb waits on the rung being played


def test_a_rung_whose_boundaries_are_a_subset_is_not_fetched_inside_its_segments() -> None:
    ladder = Ladder((_rung("lo", 1, [2.0] * 4), _rung("hi", 2, [4.0] * 2)))  # 0, 4 are hi's; 2, 6 lo's alone
    assert not ladder.aligned
    assert ladder.segment_or_none(ladder[1], 1) is None
    assert ladder.next_index(0, ladder[1].segments[0]) == 2


def test_a_start_inside_a_segment_begins_at_the_point_of_the_pinned_rungs_segment() -> None:
    ladder = Ladder((_rung("lo", 1, [2.0] * 6), _rung("hi", 2, [3.0] * 4)))
    assert ladder.timeline[ladder.index_at(7.0, rung=1)].start_s == 6.0
    assert ladder.timeline[ladder.index_at(11.0)].start_s == 10.0
    assert ladder.timeline[ladder.index_at(11.0, rung=1)].start_s == 9.0


def test_an_audio_ladder_at_two_sample_rates_is_taken_as_aligned() -> None:
    """AAC frames decode on their own, and 22.05 / 48 kHz rungs never share a boundary: an audio-only ladder keeps
    walking its lowest rung's segments (one rung a segment longer, as ffmpeg cuts them)."""
    ladder = Ladder((_rung("lo", 1, [2.043] * 6), _rung("hi", 2, [2.005] * 6 + [0.04])), kind="audio")
    assert ladder.aligned and ladder.open_rung(3, 1, current=0) == 1


def test_a_gap_in_one_rung_is_filled_from_another_and_only_a_gap_in_every_rung_is_a_gap() -> None:
    """RFC 8216bis §6.3.3: a redundant encoder that failed marks EXT-X-GAP in its own variant only. The wanted rung's
    gap goes to the nearest rung below (the climb: the rung being played), else above; position 3, a gap everywhere,
    has no media."""
    ladder = Ladder((_rung("lo", 1, [2.0] * 5, gaps=(1, 3)), _rung("mid", 2, [2.0] * 5, gaps=(2, 3)),
                     _rung("hi", 3, [2.0] * 5, gaps=(2, 3))))
    assert ladder.aligned
    assert ladder.open_rung(1, 0) == 1 and ladder.lowest_open(1) == 1  # the bottom rung's gap: from above
    assert ladder.open_rung(2, 2) == 0 and ladder.open_rung(2, 2, current=1) == 0
    assert ladder.open_rung(2, 1, current=0) == 0  # the climb waits on the rung being played
    assert ladder.open_rung(1, 2) == 2 and ladder.open_rung(0, 1) == 1  # no gap: the rung asked for
    assert [ladder.has_media(i) for i in range(5)] == [True, True, True, False, True]

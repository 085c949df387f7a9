"""The progress watch's rule (player.playback.progress_watch): samples in, a verdict out, with plain values."""
from __future__ import annotations

from player.playback.progress_watch import Moves, ProgressWatch

STILL = Moves(position_s=12.0, generation=1, media_heard=40, segments_fed=6)


def _samples(watch: ProgressWatch, start: float, end: float, moves: Moves = STILL, paused: bool = False) -> list[bool]:
    """One sample a second from ``start`` to ``end`` (inclusive): the verdict of each."""
    return [watch.stuck(float(t), moves, paused=paused) for t in range(int(start), int(end) + 1)]


def test_stuck_only_once_nothing_moved_for_the_whole_limit() -> None:
    watch = ProgressWatch(limit_s=10.0)
    verdicts = _samples(watch, 0, 10)
    assert verdicts == [False] * 10 + [True]
    assert watch.still_for_s(10.0) == 10.0


def test_any_one_thing_moving_starts_the_count_again() -> None:
    """A byte of a media request, a segment fed, the playhead, a new file: each alone is progress."""
    for moved in (Moves(12.0, 1, 41, 6), Moves(12.0, 1, 40, 7), Moves(12.5, 1, 40, 6), Moves(12.0, 2, 40, 6),
                  Moves(None, 1, 40, 6)):
        watch = ProgressWatch(limit_s=10.0)
        assert not any(_samples(watch, 0, 9))
        assert not watch.stuck(10.0, moved, paused=False), moved
        assert not any(_samples(watch, 11, 19, moved)) and watch.stuck(20.0, moved, paused=False)


def test_time_paused_never_counts() -> None:
    """A viewer who pauses for an hour finds the play still there; the count starts when they play on."""
    watch = ProgressWatch(limit_s=10.0)
    assert not any(_samples(watch, 0, 3600, paused=True))
    assert not any(_samples(watch, 3601, 3609))  # counted from the last sample that saw it paused
    assert watch.stuck(3610.0, STILL, paused=False)


def test_a_late_sample_blames_the_loop_not_the_play() -> None:
    """The loop held up for 30 s (its events may not be read yet): the count restarts from that sample."""
    watch = ProgressWatch(limit_s=10.0)
    assert not any(_samples(watch, 0, 5))
    assert not watch.stuck(35.0, STILL, paused=False)
    assert not any(_samples(watch, 36, 44)) and watch.stuck(45.0, STILL, paused=False)

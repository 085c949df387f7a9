"""``played_s`` on a busy box: a long step between two position reads is playback unless a seek made it.

Our seeks go through ``Playhead.restart``, which forgets the last position; libmpv's own jumps (over a
hole) are told apart by the time the step took, not by its size.
"""
from __future__ import annotations

import pytest

from player.feed.events import FirstFrame, PositionChanged, StallChanged
from player.playback import Playhead
from player.qoe import QoeTracker


def _played(reads: list[tuple[float, float]]) -> tuple[float, float]:
    """Playhead's and QoE's played seconds after a first frame at 0.0 (t=100.2) and ``reads`` (at, position)."""
    qoe = QoeTracker(target="t", opened_at=100.0)
    head = Playhead(qoe=qoe, start_s=0.0)
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    for at, position in reads:
        head.handle(PositionChanged(at=at, position_s=position))
    return head.played_s, qoe.played_s


def test_a_long_step_that_took_as_long_is_played_time() -> None:
    """Reads 1.6 s apart (a loaded box) that moved 1.6 s of media each: 3.2 s played, no seek was issued."""
    assert _played([(101.8, 1.6), (103.4, 3.2)]) == (pytest.approx(3.2), pytest.approx(3.2))


def test_a_jump_over_a_hole_is_not_played_time() -> None:
    """libmpv skips 2 s of missing media within one frame's time: that is not 2 s played."""
    played, _ = _played([(101.2, 1.0), (101.24, 3.04), (101.28, 3.08)])
    assert played == pytest.approx(1.04)  # 1.0 before the hole, 0.04 after it


def test_a_jump_as_a_stall_ends_is_not_played_time() -> None:
    """libmpv waited 3 s for data, then skipped a 3 s hole as it resumed: the wait is no playback time."""
    qoe = QoeTracker(target="t", opened_at=100.0)
    head = Playhead(qoe=qoe, start_s=0.0)
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    head.handle(PositionChanged(at=100.7, position_s=0.5))
    head.handle(StallChanged(at=100.8, stalled=True))
    head.handle(StallChanged(at=103.8, stalled=False))
    head.handle(PositionChanged(at=103.82, position_s=3.5))
    assert head.played_s == pytest.approx(0.5)


def test_a_jump_right_after_a_pause_is_not_played_time() -> None:
    """Paused 30 s, resumed, and libmpv jumps 3 s over a hole at once: the pause is not time the jump took."""
    qoe = QoeTracker(target="t", opened_at=100.0)
    head = Playhead(qoe=qoe, start_s=0.0)
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    head.handle(PositionChanged(at=101.2, position_s=1.0))
    head.held(101.3)  # paused
    head.held(131.3)  # resumed
    head.handle(PositionChanged(at=131.34, position_s=4.0))
    assert head.played_s == pytest.approx(1.0)

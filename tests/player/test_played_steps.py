"""``played_s`` on a busy box: a long step between two position reads is playback unless a seek made it.

Our seeks go through ``Playhead.restart``, which forgets the last position; libmpv's own jumps (over a
hole) are told apart by the time the step took, not by its size.
"""
from __future__ import annotations

import pytest

from player.feed.events import FirstFrame, PositionChanged, StallChanged
from player.playback import Playhead
from player.qoe import QoeTracker


Step = tuple[float, float] | StallChanged | float  # a position read (at, position), a stall change, a hold (at)


def _played(steps: list[Step]) -> tuple[float, float]:
    """Playhead's and QoE's played seconds after a first frame at 0.0 (t=100.2) and ``steps``."""
    qoe = QoeTracker(target="t", opened_at=100.0)
    head = Playhead(qoe=qoe, start_s=0.0)
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    for step in steps:
        if isinstance(step, tuple):
            head.handle(PositionChanged(at=step[0], position_s=step[1]))
        elif isinstance(step, StallChanged):
            head.handle(step)
        else:
            head.held(step)  # the viewer paused or resumed
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
    played, _ = _played([(100.7, 0.5), StallChanged(at=100.8, stalled=True), StallChanged(at=103.8, stalled=False),
                         (103.82, 3.5)])
    assert played == pytest.approx(0.5)


def test_a_jump_right_after_a_pause_is_not_played_time() -> None:
    """Paused 30 s, resumed, and libmpv jumps 3 s over a hole at once: the pause is not time the jump took."""
    played, _ = _played([(101.2, 1.0), 101.3, 131.3, (131.34, 4.0)])
    assert played == pytest.approx(1.0)

"""``played_s`` on a busy box: a long step between two position reads is playback unless a seek made it.

Our seeks go through ``Playhead.restart``, which forgets the last position; libmpv's own jumps (over a
hole) are told apart by the time the step took, not by its size.
"""
from __future__ import annotations

import pytest

from player.feed.events import FirstFrame, PositionChanged
from player.playback import Playhead
from player.qoe import QoeTracker


def test_a_long_step_that_took_as_long_is_played_time() -> None:
    """Reads 1.6 s apart (a loaded box) that moved 1.6 s of media each: 3.2 s played, no seek was issued."""
    qoe = QoeTracker(target="t", opened_at=100.0)
    head = Playhead(qoe=qoe, start_s=0.0)
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    head.handle(PositionChanged(at=101.8, position_s=1.6))
    head.handle(PositionChanged(at=103.4, position_s=3.2))
    assert head.played_s == pytest.approx(3.2) and qoe.played_s == pytest.approx(3.2)


def test_a_jump_over_a_hole_is_not_played_time() -> None:
    """libmpv skips 2 s of missing media within one frame's time: that is not 2 s played."""
    qoe = QoeTracker(target="t", opened_at=100.0)
    head = Playhead(qoe=qoe, start_s=0.0)
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    head.handle(PositionChanged(at=101.2, position_s=1.0))
    head.handle(PositionChanged(at=101.24, position_s=3.04))
    head.handle(PositionChanged(at=101.28, position_s=3.08))
    assert head.played_s == pytest.approx(1.04)  # 1.0 before the hole, 0.04 after it

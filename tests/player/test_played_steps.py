"""``played_s`` on a busy box: a long step between two position reads is playback unless a seek made it.

Was open (stop 21, "noticed and left alone"): ``Playhead._advance`` dropped any step of ``PLAYED_STEP_MAX_S``
(1.5 s) or more as a seek. Our seeks already go through ``Playhead.restart``, which forgets the last
position; libmpv's own jumps (over a hole) can be told apart by the time the step took. The fix is in
``player/playback/playhead.py``: a step that moved no faster than ``PLAYED_RATE_MAX`` is playback.
"""
from __future__ import annotations

import pytest

from player.feed.events import FirstFrame, PositionChanged, StallChanged
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


def test_a_jump_just_after_a_stall_is_not_played_time() -> None:
    """libmpv stalled 3 s, then jumped 3 s (over a hole) as soon as it resumed: the stall's time is not playback."""
    qoe = QoeTracker(target="t", opened_at=100.0)
    head = Playhead(qoe=qoe, start_s=0.0)
    head.restart(0.0, generation=1)
    head.handle(FirstFrame(at=100.2, position_s=0.0, generation=1))
    head.handle(PositionChanged(at=100.7, position_s=0.5))
    head.handle(StallChanged(at=100.8, stalled=True))
    head.handle(StallChanged(at=103.8, stalled=False))
    head.handle(PositionChanged(at=103.9, position_s=3.5))
    assert head.played_s == pytest.approx(0.5)

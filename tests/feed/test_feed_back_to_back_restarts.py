"""Two restarts (seeks outside the cache) in a row: the second file shows its target (real libmpv, vo=null ao=null).

The failure this guards against: libmpv sends no ``start-file`` for a file that a newer ``loadfile``
replaced before it began. ``MpvFiles`` counted ``start-file`` events as generations, fell one behind
the ``loadfile``s for good, and took every later file's ``playback-restart`` for the previous file's:
no first frame, ever again (two live timeshift seeks 0.05 s apart stalled playback ~1 in 6).
"""
from __future__ import annotations

import pytest
from feedkit import remux_plan

from player.feed.events import FirstFrame
from player.feed.mpv_output import MpvOutput


ROUNDS = 3


def test_back_to_back_restarts_show_the_last_target(ffmpeg_package) -> None:
    """Each round restarts twice at once (the first file never starts); the second shows its first frame, at its target."""
    with MpvOutput() as output:
        output.start(0.0)
        output.push(remux_plan(ffmpeg_package, [0], flush=False))
        assert output.wait_for(lambda e: isinstance(e, FirstFrame), 10) is not None
        for _ in range(ROUNDS):
            output.restart(4.0)
            generation = output.restart(8.0)  # before libmpv began the file of the first
            output.push(remux_plan(ffmpeg_package, [0, 0], first=4))  # 8.0-12.0 s, then the end
            first = output.wait_for(lambda e, g=generation: isinstance(e, FirstFrame) and e.generation == g, 10)
            assert isinstance(first, FirstFrame), "the second file never showed a frame"
            assert first.position_s == pytest.approx(8.0, abs=0.041)

"""The default's own controller planning on what the link will really do: a diagnostic, not a player.

:class:`Foresighted` is ``reelbox-r2`` with one change: where the default plans on its estimate (the
lower of a dual EWMA and the harmonic mean of the last five transfers), it plans on the trace's true mean
bandwidth over the next ``window_s`` seconds of the session's own clock.  Every other rule (reserve,
margins, abandonment, the check of rule 8) is the default's.  Read against :mod:`abr.oracle`'s bound, it
splits the distance to the bound in two: what the controller loses even when it knows the link's next
seconds, and what the estimate costs.  With ``with_estimate`` it plans on the lower of the two, which
shows which way the estimate errs where it costs: too high (a fall it misses) or too low (a rise it is
late for).  With ``noise`` σ the known future is multiplied by e^N(0, σ) at each decision (seeded by
the trace's name, so runs repeat): how close a prediction of the next seconds has to be for the
controller to reach a score.  ``benchmarks/abr_foresight.py`` prints the figures.
"""
from __future__ import annotations

import math
import random
from typing import Any

from .reelbox_r2 import ReelboxR2
from .state import AbrState, DownloadResult
from .traces import Trace


class Foresighted(ReelboxR2):
    name = "reelbox-r2-foresight"

    def __init__(self, trace: Trace, *, window_s: float = 20.0, with_estimate: bool = False, noise: float = 0.0,
                 **kwargs: Any) -> None:
        if window_s <= 0:
            raise ValueError(f"the window of the known future must be positive, not {window_s} s")
        self.trace, self.window_s, self.with_estimate, self.noise = trace, window_s, with_estimate, noise
        super().__init__(**kwargs)

    def reset(self) -> None:
        super().reset()
        self.clock_s = 0.0  # the simulator's clock: every request's seconds and every wait for room, summed
        self._random = random.Random(self.trace.name)

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        self.clock_s += result.seconds
        super().on_download(state, result)

    def on_idle(self, seconds: float) -> None:
        self.clock_s += seconds

    def predict(self, state: AbrState) -> float | None:
        estimate = super().predict(state)
        if estimate is None:  # the first segment stays the lowest rung, as the default's
            return None
        future = self.trace.window_mean_kbps(self.clock_s, self.window_s)
        if self.noise > 0:
            future *= math.exp(self._random.gauss(0.0, self.noise))
        return min(future, estimate) if self.with_estimate else future

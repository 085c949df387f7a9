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

:class:`PastPredicted` asks the other half: how much of that future the past holds.  It plans on a model's
prediction from the link's exact past (its mean over the last 1 to 64 s), which no player sees so fully;
``benchmarks/abr_predictability.py`` fits the model on half the traces and plays the other half.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from .reelbox_r2 import ReelboxR2
from .state import AbrState, DownloadResult
from .traces import Trace

PAST_WINDOWS_S = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
FLOOR_KBPS = 1.0  # a window of outage has no logarithm; any floor far under the lowest rung reads the same
LAST_16_S = PAST_WINDOWS_S.index(16.0)  # where the last 16 s's mean is among them: the best single window


class Clocked(ReelboxR2):
    """The default, keeping the simulator's clock: every request's seconds and every wait for room, summed
    (the diagnostics below read the trace where the session is)."""

    def reset(self) -> None:
        super().reset()
        self.clock_s = 0.0

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        self.clock_s += result.seconds
        super().on_download(state, result)

    def on_idle(self, seconds: float) -> None:
        self.clock_s += seconds


class Foresighted(Clocked):
    name = "reelbox-r2-foresight"

    def __init__(self, trace: Trace, *, window_s: float = 20.0, with_estimate: bool = False, noise: float = 0.0,
                 **kwargs: Any) -> None:
        if window_s <= 0:
            raise ValueError(f"the window of the known future must be positive, not {window_s} s")
        self.trace, self.window_s, self.with_estimate, self.noise = trace, window_s, with_estimate, noise
        super().__init__(**kwargs)

    def reset(self) -> None:
        super().reset()
        self._random = random.Random(self.trace.name)

    def predict(self, state: AbrState) -> float | None:
        estimate = super().predict(state)
        if estimate is None:  # the first segment stays the lowest rung, as the default's
            return None
        future = self.trace.window_mean_kbps(self.clock_s, self.window_s)
        if self.noise > 0:
            future *= math.exp(self._random.gauss(0.0, self.noise))
        return min(future, estimate) if self.with_estimate else future


def past_log_means(trace: Trace, now_s: float, windows: Sequence[float] = PAST_WINDOWS_S) -> list[float]:
    """ln of the trace's exact mean over each of the last ``windows`` seconds before ``now_s`` (> 0), each
    clipped to ``now_s``: a session has no past before its start."""
    return [math.log(max(trace.window_mean_kbps(now_s - min(w, now_s), min(w, now_s)), FLOOR_KBPS)) for w in windows]


class PastPredicted(Clocked):
    """The default's controller planning on ``model``'s prediction from the link's exact past: ``model`` maps
    :func:`past_log_means` to ln kbit/s.  Every second of the past, not just the player's own transfers: no
    player sees as much, so what this reaches bounds what a better estimate from history could give the
    controller, as far as ``model`` predicts well (``benchmarks/abr_predictability.py`` fits one)."""

    name = "reelbox-r2-past"

    def __init__(self, trace: Trace, model: Callable[[list[float]], float], **kwargs: Any) -> None:
        self.trace, self.model = trace, model
        super().__init__(**kwargs)

    def predict(self, state: AbrState) -> float | None:
        estimate = super().predict(state)
        if estimate is None or self.clock_s <= 0:
            return estimate
        return math.exp(self.model(past_log_means(self.trace, self.clock_s)))

"""RobustMPC (Yin, Jindal, Sekar, Sinopoli, "A control-theoretic approach for dynamic adaptive video
streaming over HTTP", SIGCOMM 2015, §4–5), horizon 5.

Throughput prediction: the harmonic mean of the last 5 per-segment throughputs, divided by
1 + the largest relative prediction error seen over the last 5 segments (the "robust" lower bound).
Each decision then solves the QoE_lin problem over the next 5 segments exactly
(:func:`abr.lookahead.plan_first_rung`) and applies the first rung.
"""
from __future__ import annotations

from ..lookahead import plan_first_rung
from ..state import AbrState, AlgorithmBase, Decision, Sample

WINDOW = 5


class RobustMpc(AlgorithmBase):
    name = "robust-mpc"

    def __init__(self, *, horizon: int = 5) -> None:
        self.horizon = horizon
        self.reset()

    def reset(self) -> None:
        self._errors: list[float] = []
        self._last_seen: Sample | None = None
        self._last_prediction: float | None = None

    def predict(self, state: AbrState) -> float | None:
        hist = state.history
        if not hist:
            return None
        newest = hist[-1]
        if newest is not self._last_seen:
            if self._last_prediction is not None and newest.kbps > 0:
                self._errors.append(abs(self._last_prediction - newest.kbps) / newest.kbps)
                del self._errors[:-WINDOW]
            self._last_seen = newest
        recent = [s.kbps for s in hist[-WINDOW:] if s.kbps > 0]
        if not recent:
            return None
        harmonic = len(recent) / sum(1.0 / x for x in recent)
        self._last_prediction = harmonic
        return harmonic / (1.0 + max(self._errors, default=0.0))

    def choose(self, state: AbrState) -> Decision:
        kbps = self.predict(state)
        if kbps is None:
            return Decision(rung=0)
        return Decision(rung=plan_first_rung(state, kbps, horizon=self.horizon))

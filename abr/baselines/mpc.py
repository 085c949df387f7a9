"""RobustMPC (Yin, Jindal, Sekar, Sinopoli, "A control-theoretic approach for dynamic adaptive video
streaming over HTTP", SIGCOMM 2015, §4–5), horizon 5, as the reference implementation runs it
(Pensieve's ``test/mpc.py``, which the published RobustMPC figures come from).

Faithful to that reference in the three places where a "cleaner" version scores differently:

* Throughput samples include the first-byte latency (segment bits / whole request time).
* The prediction is the harmonic mean of the last 5 samples divided by 1 + the largest relative
  prediction error over the last 5 segments (the "robust" lower bound); the error compares the
  previous harmonic mean with the newest sample.
* The plan lets the buffer grow without the player's cap and adds no latency to download times; among
  equal plans the lowest first rung wins.
"""
from __future__ import annotations

from ..lookahead import best_plan
from ..state import AbrState, AlgorithmBase, Decision, Sample

WINDOW = 5


def gross_kbps(sample: Sample) -> float:
    """Throughput over the whole request, first-byte latency included."""
    total = sample.seconds + sample.latency_s
    return sample.bits / 1000.0 / total if total > 0 else 0.0


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
            kbps = gross_kbps(newest)
            if self._last_prediction is not None and kbps > 0:
                self._errors.append(abs(self._last_prediction - kbps) / kbps)
                del self._errors[:-WINDOW]
            self._last_seen = newest
        recent = [k for k in (gross_kbps(s) for s in hist[-WINDOW:]) if k > 0]
        if not recent:
            return None
        harmonic = len(recent) / sum(1.0 / x for x in recent)
        self._last_prediction = harmonic
        return harmonic / (1.0 + max(self._errors, default=0.0))

    def choose(self, state: AbrState) -> Decision:
        kbps = self.predict(state)
        if kbps is None:
            return Decision(rung=0)
        return Decision(rung=best_plan(state, kbps, horizon=self.horizon, capped=False).first_rung)

"""Reelbox's default rate adaptation: draft under evaluation."""
from __future__ import annotations

from .estimators import harmonic_kbps
from .lookahead import plan_first_rung
from .state import AbrState, AlgorithmBase, Decision, Progress, Sample

WINDOW = 5


class Reelbox(AlgorithmBase):
    name = "reelbox"

    def __init__(self, *, horizon: int = 5, target: float = 0.7, price: float = 2.15,
                 estimate: str = "min", switch_penalty: float = 1.0, abandon: bool = True) -> None:
        self.horizon = horizon
        self.target = target
        self.price = price
        self.estimate = estimate
        self.switch_penalty = switch_penalty
        self.use_abandon = abandon
        self.reset()

    def reset(self) -> None:
        self._errors: list[float] = []
        self._last_seen: Sample | None = None
        self._last_prediction: float | None = None

    def predict(self, state: AbrState) -> float | None:
        hist = state.history
        if not hist or state.throughput_kbps is None:
            return None
        newest = hist[-1]
        harmonic = harmonic_kbps(hist[-WINDOW:]) or state.throughput_kbps
        if newest is not self._last_seen:
            if self._last_prediction is not None and newest.kbps > 0:
                self._errors.append(abs(self._last_prediction - newest.kbps) / newest.kbps)
                del self._errors[:-WINDOW]
            self._last_seen = newest
        base = min(harmonic, state.throughput_kbps)
        self._last_prediction = base
        if self.estimate == "min":
            return base
        if self.estimate == "robust":
            return base / (1.0 + max(self._errors, default=0.0))
        if self.estimate == "mean-err":
            return base / (1.0 + sum(self._errors) / len(self._errors)) if self._errors else base
        raise ValueError(self.estimate)

    def choose(self, state: AbrState) -> Decision:
        kbps = self.predict(state)
        if kbps is None:
            return Decision(rung=0)
        goal = self.target * (state.buffer_capacity_s - state.segment_duration_s)
        price = self.price
        rung = plan_first_rung(state, kbps, horizon=self.horizon, switch_penalty=self.switch_penalty,
                               terminal=lambda b: -price * max(0.0, goal - b))
        return Decision(rung=rung)

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        if not self.use_abandon or progress.rung == 0:
            return None
        transfer = progress.elapsed_s - progress.latency_s
        if transfer <= 0.25 or progress.downloaded_bits <= 0:
            return None
        bps = progress.downloaded_bits / transfer
        remaining_s = (progress.size_bits - progress.downloaded_bits) / bps
        if remaining_s <= progress.buffer_s:
            return None
        lat = state.latency_s or 0.0
        for q in range(progress.rung - 1, -1, -1):
            fresh = lat + state.segment_bits(0, q) / bps
            if fresh <= progress.buffer_s or (q == 0 and fresh < 0.5 * remaining_s):
                return Decision(rung=q, abandon=True)
        return None

"""BBA-0 (Huang et al., "A buffer-based approach to rate adaptation", SIGCOMM 2014, §4).

A linear rate map from the buffer level: the lowest rate up to the reservoir, the highest past
reservoir + cushion, in between a line; the rate changes only when the map crosses the next rung up
or down (the hysteresis of the paper's Algorithm 1)."""
from __future__ import annotations

from ..state import AbrState, AlgorithmBase, Decision


class Bba0(AlgorithmBase):
    name = "bba0"

    def __init__(self, *, reservoir_s: float = 5.0, cushion_s: float = 10.0) -> None:
        self.reservoir_s = reservoir_s
        self.cushion_s = cushion_s

    def choose(self, state: AbrState) -> Decision:
        rates = state.bitrates_kbps
        top = len(rates) - 1
        prev = 0 if state.last_rung is None else state.last_rung
        b = state.buffer_s
        if b <= self.reservoir_s:
            return Decision(rung=0)
        if b >= self.reservoir_s + self.cushion_s:
            return Decision(rung=top)
        f = rates[0] + (rates[-1] - rates[0]) * (b - self.reservoir_s) / self.cushion_s
        up = min(prev + 1, top)
        down = max(prev - 1, 0)
        if f >= rates[up]:
            rung = max(i for i, r in enumerate(rates) if r < f) if up != prev else prev
        elif f <= rates[down]:
            rung = min(i for i, r in enumerate(rates) if r > f) if down != prev else prev
        else:
            rung = prev
        return Decision(rung=rung)

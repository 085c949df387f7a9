"""DYNAMIC, dash.js's default since v2.6 (Spiteri et al., MMSys 2018, §5): BOLA-E while the buffer
is comfortable, the throughput rule while it is low, with hysteresis — to BOLA-E once the buffer
exceeds 10 s, back to the throughput rule when it falls under 5 s (Sabre's ``DynamicDash``, which is
what the reference figures were measured with).  Only the active rule is asked, both are told about
downloads and idle time, and abandonment follows the active rule."""
from __future__ import annotations

from ..state import AbrState, AlgorithmBase, Decision, DownloadResult, Progress
from .bola import BolaE
from .throughput import ThroughputRule

TO_BOLA_ABOVE_S = 10.0
TO_THROUGHPUT_BELOW_S = 5.0


class Dynamic(AlgorithmBase):
    name = "dynamic"

    def __init__(self) -> None:
        self.bola = BolaE()
        self.tput = ThroughputRule()
        self.use_bola = False

    def reset(self) -> None:
        self.bola.reset()
        self.tput.reset()
        self.use_bola = False

    def _active(self) -> AlgorithmBase:
        return self.bola if self.use_bola else self.tput

    def choose(self, state: AbrState) -> Decision:
        if state.throughput_kbps is None:
            return Decision(rung=0)
        if self.use_bola and state.buffer_s < TO_THROUGHPUT_BELOW_S:
            self.use_bola = False
        elif not self.use_bola and state.buffer_s > TO_BOLA_ABOVE_S:
            self.use_bola = True
        return self._active().choose(state)

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        self.bola.on_download(state, result)
        self.tput.on_download(state, result)

    def on_idle(self, seconds: float) -> None:
        self.bola.on_idle(seconds)
        self.tput.on_idle(seconds)

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        return self._active().abandon(state, progress)

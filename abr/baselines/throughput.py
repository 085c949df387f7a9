"""Throughput rule (dash.js ``ThroughputRule``): the highest rung below 0.9 × the dual-EWMA estimate,
capped by the insufficient-buffer rule; abandons a download projected to take > 1.8 segment durations
(Spiteri et al., MMSys 2018, §4; Sabre ``ThroughputRule``)."""
from __future__ import annotations

from ..rules import InsufficientBufferRule, rung_for_throughput
from ..state import AbrState, AlgorithmBase, Decision, Progress

SAFETY = 0.9
ABANDON_MULTIPLIER = 1.8
ABANDON_GRACE_S = 0.5


class ThroughputRule(AlgorithmBase):
    name = "throughput"

    def __init__(self) -> None:
        self.ibr = InsufficientBufferRule()

    def reset(self) -> None:
        self.ibr.reset()

    def choose(self, state: AbrState) -> Decision:
        if state.throughput_kbps is None:
            return Decision(rung=0)
        rung = rung_for_throughput(state, state.throughput_kbps * SAFETY)
        return Decision(rung=self.ibr.cap(state, rung))

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        transfer_s = progress.elapsed_s - progress.latency_s
        if progress.elapsed_s < ABANDON_GRACE_S or transfer_s <= 0 or progress.downloaded_bits <= 0:
            return None
        kbps = progress.downloaded_bits / 1000.0 / transfer_s
        left = progress.size_bits - progress.downloaded_bits
        if progress.elapsed_s + left / 1000.0 / kbps <= ABANDON_MULTIPLIER * state.segment_duration_s:
            return None
        rung = rung_for_throughput(state, kbps * SAFETY)
        estimate = progress.size_bits * state.bitrates_kbps[rung] / state.bitrates_kbps[progress.rung]
        if rung >= progress.rung or estimate >= left:
            return None
        return Decision(rung=rung, abandon=True)

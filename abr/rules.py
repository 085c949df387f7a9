"""Two rules shared by several algorithms (dash.js ``ThroughputRule`` and its insufficient-buffer rule).

Kept in one place so BOLA-E, the throughput rule and DYNAMIC use the same arithmetic (Spiteri,
Sitaraman, Sparacio, "From theory to practice: improving bitrate adaptation in the DASH reference
player", MMSys 2018, §3–4; Sabre's ``quality_from_throughput``).
"""
from __future__ import annotations

from .state import AbrState

IBR_SAFETY_INIT = 0.9
IBR_SAFETY_FLOOR = 0.5


def rung_for_throughput(state: AbrState, kbps: float) -> int:
    """Highest rung whose segment (nominal size) plus one request latency downloads within one
    segment duration at ``kbps``."""
    if kbps <= 0:
        return 0
    lat = state.latency_s or 0.0
    d = state.segment_duration_s
    rung = 0
    rates = state.bitrates_kbps
    while rung + 1 < len(rates) and lat + d * rates[rung + 1] / kbps <= d:
        rung += 1
    return rung


class InsufficientBufferRule:
    """Cap the rung so the next segment downloads within a shrinking fraction of the buffer.

    The safety factor starts at 0.9 and decays by ×0.9 per decision to 0.5 (dash.js
    ``InsufficientBufferRule`` as modelled in Sabre)."""

    def __init__(self) -> None:
        self.safety = IBR_SAFETY_INIT

    def reset(self) -> None:
        self.safety = IBR_SAFETY_INIT

    def cap(self, state: AbrState, rung: int) -> int:
        tput = state.throughput_kbps or 0.0
        safe_kbit = self.safety * (state.buffer_s - (state.latency_s or 0.0)) * tput
        self.safety = max(self.safety * IBR_SAFETY_INIT, IBR_SAFETY_FLOOR)
        for q in range(rung):
            if state.bitrates_kbps[q + 1] * state.segment_duration_s > safe_kbit:
                return q
        return rung

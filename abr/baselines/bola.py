"""BOLA (Spiteri, Urgaonkar, Sitaraman, INFOCOM 2016) and BOLA-E (the dash.js variant, MMSys 2018).

Both maximise ``(V·(υ_m + γp) − Q) / S_m`` over rungs m, with utility υ = ln(bitrate) and Q the
buffer level: a Lyapunov drift-plus-penalty rule that depends on the buffer alone.

* ``Bola`` — BOLA-U as modelled in Sabre (``-a bola``): γp = 5, V set so the top rung is reached one
  segment below the buffer target, the target shrunk near the start and end of the video (min with
  half the segments from either end, at least 3 segments), upward switches capped at one rung above
  the throughput rung, and BOLA's own abandonment score.
* ``BolaE`` — BOLA-E: utilities offset so υ_0 = 1; V and γp from a 10 s minimum buffer plus 2 s per
  rung; a *placeholder* buffer that starts the steady state at the throughput rung, absorbs idle time
  when the buffer is full and is trimmed after each download; the insufficient-buffer rule; and
  abandonment on the placeholder-aware score.
"""
from __future__ import annotations

import math

from ..rules import InsufficientBufferRule, rung_for_throughput
from ..state import AbrState, AlgorithmBase, Decision, DownloadResult, Phase, Progress


def _best_for_level(vp: float, gp: float, utils: list[float], rates: tuple[float, ...], level: float) -> int:
    best, score = 0, -math.inf
    for q, (u, r) in enumerate(zip(utils, rates)):
        s = (vp * (u + gp) - level) / r
        if s > score:
            best, score = q, s
    return best


class Bola(AlgorithmBase):
    name = "bola"

    def __init__(self, *, gp: float = 5.0) -> None:
        self.gp = gp
        self.reset()

    def reset(self) -> None:
        self.last = 0
        self.vp = 0.0
        self._rates: tuple[float, ...] = ()
        self.utils: list[float] = []

    def _setup(self, state: AbrState) -> None:
        if state.bitrates_kbps != self._rates:
            self._rates = state.bitrates_kbps
            self.utils = [math.log(r / self._rates[0]) for r in self._rates]
        size = state.buffer_capacity_s
        if state.segments_total is not None:
            t = min(state.segment_index - state.seek_index, state.segments_total - state.segment_index)
            size = min(size, max(t / 2, 3) * state.segment_duration_s)
        self.vp = (size - state.segment_duration_s) / (self.utils[-1] + self.gp)

    def choose(self, state: AbrState) -> Decision:
        if state.throughput_kbps is None:
            return Decision(rung=0)
        self._setup(state)
        rung = _best_for_level(self.vp, self.gp, self.utils, state.bitrates_kbps, state.buffer_s)
        if rung > self.last:
            qt = rung_for_throughput(state, state.throughput_kbps)
            if rung > qt:
                rung = self.last if self.last > qt else qt + 1
        self.last = rung
        return Decision(rung=rung)

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        remain = progress.size_bits - progress.downloaded_bits
        if progress.downloaded_bits <= 0 or remain <= 0 or not self.utils:
            return None
        q0 = progress.rung
        score = (self.vp * (self.gp + self.utils[q0]) - progress.buffer_s) / remain
        if score < 0:
            return None
        to = None
        for q in range(q0):
            other = progress.size_bits * state.bitrates_kbps[q] / state.bitrates_kbps[q0]
            s = (self.vp * (self.gp + self.utils[q]) - progress.buffer_s) / other
            if other < remain and s > score:
                score, to = s, q
        if to is None:
            return None
        self.last = to
        return Decision(rung=to, abandon=True)


MIN_BUFFER_S = 10.0
MIN_BUFFER_PER_RUNG_S = 2.0


class BolaE(AlgorithmBase):
    name = "bola-e"

    def __init__(self, *, oscillation_guard: bool = False) -> None:
        self.oscillation_guard = oscillation_guard
        self.reset()

    def reset(self) -> None:
        self.startup = True
        self.placeholder = 0.0
        self.last = 0
        self.ibr = InsufficientBufferRule()
        self._rates: tuple[float, ...] = ()
        self.utils: list[float] = []
        self.vp = self.gp = 0.0

    def _setup(self, state: AbrState) -> None:
        if state.bitrates_kbps == self._rates:
            return
        self._rates = rates = state.bitrates_kbps
        self.utils = [math.log(r / rates[0]) + 1.0 for r in rates]
        buf = max(MIN_BUFFER_S + MIN_BUFFER_PER_RUNG_S * len(rates), state.buffer_capacity_s)
        # a one-rung ladder has nothing to choose; keep the arithmetic finite
        self.gp = (self.utils[-1] - 1.0) / (buf / MIN_BUFFER_S - 1.0) if len(rates) > 1 else 1.0
        self.vp = MIN_BUFFER_S / self.gp

    def min_level(self, q: int) -> float:
        """Lowest buffer level at which BOLA prefers rung q to every lower rung."""
        rates, u = self._rates, self.utils
        level = 0.0
        for p in range(q):
            if u[p] < u[q]:
                level = max(level, self.vp * (self.gp + (rates[q] * u[p] - rates[p] * u[q]) / (rates[q] - rates[p])))
        return level

    def max_level(self, q: int) -> float:
        return self.vp * (self.utils[q] + self.gp)

    def choose(self, state: AbrState) -> Decision:
        if state.phase is Phase.AFTER_SEEK and not self.startup and state.last_rung is None:
            self.startup = True
        if state.throughput_kbps is None:
            return Decision(rung=self.last if self._rates == state.bitrates_kbps else 0)
        self._setup(state)
        level = state.buffer_s
        if self.startup:
            self.startup = False
            self.ibr.reset()
            rung = rung_for_throughput(state, state.throughput_kbps)
            self.placeholder = max(0.0, self.min_level(rung) - level)
            return Decision(rung=rung)
        rung = _best_for_level(self.vp, self.gp, self.utils, state.bitrates_kbps, level + self.placeholder)
        qt = rung_for_throughput(state, state.throughput_kbps)
        if rung > self.last and rung > qt:
            rung = max(self.last, qt) + (0 if self.oscillation_guard else 1)
        delay = level + self.placeholder - self.max_level(rung)
        if delay > 0:
            if delay <= self.placeholder:
                self.placeholder -= delay
                delay = 0.0
            else:
                delay -= self.placeholder
                self.placeholder = 0.0
        else:
            delay = 0.0
        if rung == len(self._rates) - 1:
            delay = 0.0
        capped = self.ibr.cap(state, rung)
        if capped < rung:
            rung, delay = capped, 0.0
            self.placeholder = min(max(0.0, self.min_level(rung) - level), self.placeholder)
        return Decision(rung=rung, delay_s=delay)

    def on_idle(self, seconds: float) -> None:
        self.placeholder += seconds

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        if not self.utils:
            return
        self.last = result.rung
        level = result.buffer_s
        if not result.abandoned:
            level_was = level + result.seconds
            self.placeholder = min(self.placeholder, max(0.0, self.max_level(result.rung) - level_was))
            if level > 0:
                self.placeholder = max(self.placeholder, self.min_level(result.rung) - level_was)
        else:
            to = result.abandon_to or 0
            want = self.min_level(to) if to > 0 else MIN_BUFFER_S
            self.placeholder = min(self.placeholder, max(0.0, want - level))

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        remain = progress.size_bits - progress.downloaded_bits
        if progress.downloaded_bits <= 0 or remain <= 0 or not self.utils:
            return None
        transfer = progress.elapsed_s - progress.latency_s
        if transfer <= 0:
            return None
        level = max(0.0, progress.buffer_s + self.placeholder - progress.latency_s)
        bps = progress.downloaded_bits / transfer
        size = remain - progress.latency_s * bps
        if size <= 0:
            return None
        q0 = progress.rung
        score = (self.vp * (self.gp + self.utils[q0]) - level) / size
        to = None
        for q in range(q0):
            other = progress.size_bits * state.bitrates_kbps[q] / state.bitrates_kbps[q0]
            s = (self.vp * (self.gp + self.utils[q]) - level) / other
            if other < size and s > score:
                score, to = s, q
        return None if to is None else Decision(rung=to, abandon=True)

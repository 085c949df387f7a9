"""Round one of Reelbox's rate adaptation (``reelbox``), the default until round two (``abr.reelbox_r2``) replaced it.

The idea
--------
The buffer is the state we control; throughput only enters as a cautious prediction of how each
choice moves it.

1. **A buffer target.**  The player keeps a reserve of ``B* = 0.7 × (capacity − one segment)``
   (14.7 s in the 25 s reference setting) to ride out outages.  Every second by which a plan would
   leave the buffer below B* at the end of its horizon is charged like a second of stall (4.3 in
   QoE_lin units).  Above the target the buffer is surplus that may be spent on quality; below it
   quality is bought back with buffer.  This is BBA's rate map, with its slope set by the measured
   throughput and the real segment sizes instead of fixed reservoir/cushion constants.  It also avoids
   BOLA's oscillation: the choice depends on where the buffer is heading, not on the band it is in.
2. **Segment-size awareness.**  Download times are computed from the real size of each of the next
   segments at each rung when the manifest gives them (VBR), and from bitrate × duration otherwise.
3. **A robust estimate.**  We take the minimum of the dual EWMA (3 s / 8 s half-lives) and the
   bits-weighted harmonic mean of the last five downloads.  After an abandoned download the rate
   measured on it also caps the estimate until a download completes.  An abandonment is evidence of a
   collapse, and the partial transfer is not a throughput sample, so without this cap the player would
   pick the same rung again and lose time to repeated abandonments.
4. **Lookahead with switch damping.**  Each decision solves the next five segments exactly (see
   :mod:`abr.lookahead`): maximise Σ (R − 4.3·stall − |ΔR|) minus the buffer-target charge, and apply
   the first rung (receding horizon).  The |ΔR| term makes a switch happen only when it pays over the
   horizon.
5. **Startup.**  There is no separate startup state to tune.  After the first segment (lowest rung,
   per the player model) the target charge ramps quality up exactly as fast as the buffer can afford.
6. **Abandonment.**  A download is abandoned only when, at the rate measured on it, it would
   finish after the buffer runs dry.  The player then fetches the highest lower rung that fits in the
   remaining buffer, or the lowest rung if that at least halves the wait.

Parameters: the horizon (5, as RobustMPC), the target fraction (0.7) and the price of a missing second
of reserve (= the stall penalty, not tuned).  The target was picked from {0.6, 0.7, 0.8, 1.0} on two
disjoint one-sixth subsets of fcc/hsdpa; the other sets (puffer, oboe, the VBR ladder) were not used
to choose anything.
"""
from __future__ import annotations

from .estimators import harmonic_kbps
from .lookahead import REBUFFER_PENALTY, best_plan
from .state import AbrState, AlgorithmBase, Decision, DownloadResult, Progress

WINDOW = 5
MEASURE_S = 0.25  # transfer time before a download's own rate is trusted for abandonment


class Reelbox(AlgorithmBase):
    name = "reelbox"

    def __init__(self, *, horizon: int = 5, target: float = 0.7, price: float = REBUFFER_PENALTY) -> None:
        self.horizon = horizon
        self.target = target
        self.price = price
        self.reset()

    def reset(self) -> None:
        self._collapse_kbps: float | None = None

    def predict(self, state: AbrState) -> float | None:
        """The conservative throughput the plan assumes, in kbit/s (None before any download)."""
        if state.throughput_kbps is None:
            return None
        kbps = state.throughput_kbps
        harmonic = harmonic_kbps(state.history[-WINDOW:])
        if harmonic is not None:
            kbps = min(kbps, harmonic)
        if self._collapse_kbps is not None:
            kbps = min(kbps, self._collapse_kbps)
        return kbps

    def target_s(self, state: AbrState) -> float:
        return self.target * max(state.buffer_capacity_s - state.segment_duration_s, 0.0)

    def choose(self, state: AbrState) -> Decision:
        kbps = self.predict(state)
        if kbps is None:
            return Decision(rung=0)
        goal, price = self.target_s(state), self.price
        plan = best_plan(state, kbps, horizon=self.horizon, rebuffer_penalty=REBUFFER_PENALTY,
                         terminal=lambda b: -price * max(0.0, goal - b))
        return Decision(rung=plan.first_rung)

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        if not result.abandoned:
            self._collapse_kbps = None
            return
        transfer = result.seconds - result.latency_s
        kbps = result.bits / 1000.0 / transfer if transfer > 0 else 0.0
        self._collapse_kbps = kbps if self._collapse_kbps is None else min(kbps, self._collapse_kbps)

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        return abandon_late_segment(state, progress)


def abandon_late_segment(state: AbrState, progress: Progress, measure_s: float = MEASURE_S) -> Decision | None:
    """Give up a download that cannot arrive before the buffer runs dry, for the highest rung that can
    (or the lowest, when it takes under half the time left); shared by both rounds of the algorithm.
    Its own rate is trusted after ``measure_s`` of transfer."""
    if progress.rung == 0:
        return None
    transfer = progress.elapsed_s - progress.latency_s
    if transfer < measure_s or progress.downloaded_bits <= 0:
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

"""Health of one CDN: recent errors and throughput (EWMA), benching with exponential back-off.

Pure state machine: every method takes ``now`` from the pool's injected clock, so a test can walk a
CDN through fail → benched → probe due → restored without sleeping.

* Throughput and error rate are exponentially weighted moving averages (as Shaka's ``abr/ewma.js``):
  recent transfers count most, one outlier does not flip the choice.
* A failure (connection refused, stall, truncation, 5xx) benches the CDN for
  ``bench_base_s × 2^(level)`` seconds, capped at ``bench_max_s``; the level grows with each bench
  and shrinks with each success, so a flapping edge is left alone longer and longer.
* When the bench ends the CDN is *due for a probe*; the pool sends one small request and only a
  successful probe returns the CDN to use (``restore``); a failed probe benches it again, longer.
"""
from __future__ import annotations

from dataclasses import dataclass


MAX_BENCH_LEVEL = 32  # 2**32 bench lengths: far past any bench_max_s


@dataclass(frozen=True, kw_only=True)
class HealthPolicy:
    throughput_alpha: float = 0.3  # weight of the newest sample
    error_alpha: float = 0.2
    bench_base_s: float = 2.0
    bench_max_s: float = 60.0
    switch_margin: float = 0.3  # another CDN must score this much better to become preferred
    min_samples: int = 3  # throughput samples before a CDN's score counts


class Ewma:
    """Exponentially weighted moving average; the first sample is taken as is."""

    def __init__(self, alpha: float) -> None:
        if not 0 < alpha <= 1:
            raise ValueError("alpha must be in (0, 1]")
        self.alpha = alpha
        self.value: float | None = None
        self.samples = 0

    def add(self, sample: float) -> float:
        self.value = sample if self.value is None else self.alpha * sample + (1 - self.alpha) * self.value
        self.samples += 1
        return self.value

    def reset(self, value: float | None = None) -> None:
        self.value = value
        self.samples = 0 if value is None else 1


class CdnHealth:
    """Mutable health of CDN number ``index``."""

    def __init__(self, index: int, policy: HealthPolicy) -> None:
        self.index = index
        self.policy = policy
        self.throughput_bps = Ewma(policy.throughput_alpha)
        self.error_rate = Ewma(policy.error_alpha)
        self.consecutive_failures = 0
        self.bench_level = 0
        self.benched_until: float | None = None
        self.probing = False
        self.successes = 0
        self.failures = 0

    # --- state -----------------------------------------------------------------------------
    def is_benched(self, now: float) -> bool:
        """Still inside its back-off, or past it but not yet vouched for by a probe."""
        return self.benched_until is not None

    def probe_due(self, now: float) -> bool:
        return self.benched_until is not None and now >= self.benched_until and not self.probing

    def score(self) -> float | None:
        """Expected useful throughput; ``None`` until enough samples (unknown CDNs don't steal preference)."""
        if self.throughput_bps.value is None or self.throughput_bps.samples < self.policy.min_samples:
            return None
        return self.throughput_bps.value * (1.0 - (self.error_rate.value or 0.0))

    # --- events ----------------------------------------------------------------------------
    def success(self, now: float, *, bytes_: int, duration_s: float) -> None:
        self.successes += 1
        self.consecutive_failures = 0
        self.error_rate.add(0.0)
        if bytes_ > 0 and duration_s > 0:
            self.throughput_bps.add(bytes_ * 8 / duration_s)
        self.bench_level = max(0, self.bench_level - 1)

    def failure(self, now: float) -> float:
        """Count a failed attempt and bench the CDN; returns the bench length in seconds."""
        self.failures += 1
        self.consecutive_failures += 1
        self.error_rate.add(1.0)
        length = min(self.policy.bench_base_s * (2.0 ** self.bench_level), self.policy.bench_max_s)
        self.bench_level = min(self.bench_level + 1, MAX_BENCH_LEVEL)  # a long outage must not overflow 2**level
        self.benched_until = now + length
        self.probing = False
        return length

    def start_probe(self) -> None:
        self.probing = True

    def restore(self, now: float) -> None:
        """A probe succeeded: back in rotation, error history forgiven (the back-off level is kept)."""
        self.benched_until = None
        self.probing = False
        self.consecutive_failures = 0
        self.error_rate.reset(0.0)

    def snapshot(self, now: float) -> dict[str, object]:
        return {
            "index": self.index,
            "benched": self.is_benched(now),
            "benched_for_s": None if self.benched_until is None else max(0.0, self.benched_until - now),
            "throughput_kbps": None if self.throughput_bps.value is None else round(self.throughput_bps.value / 1000, 1),
            "error_rate": round(self.error_rate.value or 0.0, 3),
            "successes": self.successes,
            "failures": self.failures,
        }


def rank(healths: list[CdnHealth], preferred: int, now: float, policy: HealthPolicy) -> tuple[int, list[int]]:
    """(new preferred index, all indices in the order to try): healthy ones first, best score first.

    Hysteresis: the preferred CDN stays unless benched or beaten by ``switch_margin``; benched CDNs
    come last (a last resort when everything is benched), soonest-to-recover first.
    """
    up = [h for h in healths if not h.is_benched(now)]
    down = sorted((h for h in healths if h.is_benched(now)), key=lambda h: (h.benched_until or 0.0, h.index))
    if not up:
        return preferred, [h.index for h in down]
    by_index = {h.index: h for h in up}
    current = by_index.get(preferred)
    best = max(up, key=lambda h: (h.score() or -1.0, -h.index))
    if current is None:
        current = best if best.score() is not None else min(up, key=lambda h: h.index)
    else:
        cur_score, best_score = current.score(), best.score()
        if cur_score is not None and best_score is not None and best_score > cur_score * (1 + policy.switch_margin):
            current = best
    rest = sorted((h for h in up if h is not current), key=lambda h: (-(h.score() or 0.0), h.index))
    return current.index, [current.index] + [h.index for h in rest] + [h.index for h in down]

"""Throughput and latency estimators fed with (bits, seconds) samples from real downloads.

* :class:`DualEwma` — two exponentially weighted moving averages with a fast and a slow half-life,
  taking the minimum (conservative on drops, slow to trust rises), as hls.js, Shaka and dash.js do.
  Each sample is weighted by its *duration*, so a short (small) download moves the average less than a
  long one, and the start-up bias is removed with the ``1 - 0.5^(w/h)`` zero-factor correction
  (Sabre's ``Ewma``, Spiteri et al., MMSys 2018).  First-byte latency gets its own pair of averages
  with half-lives counted in segments, taking the maximum.
* :class:`SlidingHarmonic` — the harmonic mean of the last *n* throughputs, weighted by bytes, i.e.
  total bits over total seconds of the window: robust to a single outlier spike (Yin et al., 2015;
  Jiang et al., FESTIVE 2012 use the unweighted form).

Both are small value-free state machines; :class:`ThroughputTracker` bundles them with the history a
live player keeps, which is what ``AbrState`` carries.
"""
from __future__ import annotations

import math
from collections import deque

from .state import Sample


class DualEwma:
    """min over half-lives of a duration-weighted EWMA of throughput; max for latency."""

    def __init__(self, *, half_lives_s: tuple[float, ...] = (3.0, 8.0), segment_duration_s: float = 4.0) -> None:
        self.half_lives_s = half_lives_s
        self._latency_half_lives = tuple(h / segment_duration_s for h in half_lives_s)
        self.reset()

    def reset(self) -> None:
        self._tput = [0.0] * len(self.half_lives_s)
        self._lat = [0.0] * len(self.half_lives_s)
        self._weight_s = 0.0
        self._count = 0

    def add(self, sample: Sample) -> None:
        if sample.seconds <= 0:
            return
        kbps = sample.kbps
        for i, h in enumerate(self.half_lives_s):
            a = 0.5 ** (sample.seconds / h)
            self._tput[i] = a * self._tput[i] + (1 - a) * kbps
            b = 0.5 ** (1.0 / self._latency_half_lives[i])
            self._lat[i] = b * self._lat[i] + (1 - b) * sample.latency_s
        self._weight_s += sample.seconds
        self._count += 1

    @property
    def throughput_kbps(self) -> float | None:
        if self._count == 0:
            return None
        return min(t / (1.0 - math.pow(0.5, self._weight_s / h)) for t, h in zip(self._tput, self.half_lives_s))

    @property
    def latency_s(self) -> float | None:
        if self._count == 0:
            return None
        return max(
            l / (1.0 - math.pow(0.5, self._count / h)) for l, h in zip(self._lat, self._latency_half_lives)
        )


def harmonic_kbps(samples: "list[Sample] | tuple[Sample, ...]") -> float | None:
    """Bits-weighted harmonic mean of the samples' throughputs (= total bits / total seconds)."""
    bits = sum(s.bits for s in samples if s.seconds > 0)
    secs = sum(s.seconds for s in samples if s.seconds > 0)
    return bits / 1000.0 / secs if secs > 0 else None


class SlidingHarmonic:
    """Harmonic mean over the last ``window`` samples, weighted by bits."""

    def __init__(self, *, window: int = 5) -> None:
        self.window = window
        self._samples: deque[Sample] = deque(maxlen=window)

    def reset(self) -> None:
        self._samples.clear()

    def add(self, sample: Sample) -> None:
        if sample.seconds > 0:
            self._samples.append(sample)

    @property
    def throughput_kbps(self) -> float | None:
        return harmonic_kbps(list(self._samples))


class ThroughputTracker:
    """What a player keeps between requests: the dual EWMA and the recent sample history.

    ``min_bits``: a download smaller than this is too small to measure throughput alone (a few kB are
    dominated by TCP slow start and latency; Shaka ignores < 16 kB), so consecutive small ones are pooled
    into one sample once they weigh that much — else a ladder whose segments are all small (audio-only
    at 32 kbit/s: 8 kB per 2 s) never got an estimate and stayed on its lowest rung. The simulator feeds
    whole segments, so it is 0 there by default.
    """

    def __init__(self, *, segment_duration_s: float, history: int = 20, min_bits: float = 0.0,
                 half_lives_s: tuple[float, ...] = (3.0, 8.0)) -> None:
        self.ewma = DualEwma(half_lives_s=half_lives_s, segment_duration_s=segment_duration_s)
        self.min_bits = min_bits
        self._history: deque[Sample] = deque(maxlen=history)
        self._small: Sample | None = None  # small downloads pooled until they weigh ``min_bits``

    def reset(self) -> None:
        self.ewma.reset()
        self._history.clear()
        self._small = None

    def add(self, sample: Sample) -> None:
        if sample.seconds <= 0 or not math.isfinite(sample.bits):
            return
        if sample.bits < self.min_bits:
            pooled = sample if self._small is None else Sample(
                bits=self._small.bits + sample.bits, seconds=self._small.seconds + sample.seconds,
                latency_s=self._small.latency_s + sample.latency_s)
            if pooled.bits < self.min_bits:
                self._small = pooled
                return
            sample, self._small = pooled, None
        self.ewma.add(sample)
        self._history.append(sample)

    @property
    def throughput_kbps(self) -> float | None:
        return self.ewma.throughput_kbps

    @property
    def latency_s(self) -> float | None:
        return self.ewma.latency_s

    @property
    def history(self) -> tuple[Sample, ...]:
        return tuple(self._history)

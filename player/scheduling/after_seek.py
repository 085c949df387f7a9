"""The first video segment after a seek: the rung on screen, when the throughput estimate carries it.

Why: a seek empties the buffer, and with nothing buffered the ABR's plan starts low (every download
then risks a stall), so the first segment after a seek came at another rung than the frame on
screen, and libmpv rebuilt its decoder, filters and output for the new size before showing the
target (issue 19). The network did not change because the viewer jumped: as in dash.js (a seek
does not reset the quality; its throughput rule keeps it while the estimate carries it), the first
segment stays on the rung being played when the estimate carries that rung's bitrate with dash.js's
safety margin. When it cannot, or there is no estimate yet, or the estimate is stale (no download for
``ESTIMATE_FRESH_S``: a long pause, after which it says nothing of the link now — and the kept segment
is not abandoned), the ABR's own pick stands. Pure.
"""
from __future__ import annotations

SAFETY = 0.9  # the share of the estimate a rung may use (dash.js ``bandwidthSafetyFactor``)
ESTIMATE_FRESH_S = 20.0  # a full buffer still downloads a segment every few seconds while playing


def kept_rung(on_screen: int | None, estimate_kbps: float | None, bitrates_kbps: tuple[float, ...],
              estimate_age_s: float | None) -> int | None:
    """``on_screen`` when a fresh ``estimate_kbps`` (its last download ``estimate_age_s`` ago) carries its
    bitrate, else None (the ABR picks)."""
    if estimate_age_s is None or estimate_age_s > ESTIMATE_FRESH_S:
        return None
    if on_screen is None or estimate_kbps is None or not 0 <= on_screen < len(bitrates_kbps):
        return None
    return on_screen if carries(estimate_kbps, bitrates_kbps[on_screen]) else None


def carries(estimate_kbps: float, bitrate_kbps: float) -> bool:
    """The estimate sustains the bitrate with the safety margin (also the start pick's test: ``start_pick``)."""
    return bitrate_kbps <= SAFETY * estimate_kbps

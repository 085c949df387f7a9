"""Holding a target latency: a gentle playback rate when behind, a jump when far behind, never out of
the DVR window (the approach of dash.js's catch-up and LoL+ rate control, without its buffer model).

Latency here is what the viewer sees: the server's clock at display minus the displayed frame's
program date-time. ``decide`` runs a few times a second; it returns the rate for mpv's ``speed`` and,
when needed, a position to seek to.

Catching up has hysteresis: it starts once latency is more than ``DEADBAND_S`` behind the target and
goes on until latency is back at the target, not merely back inside the deadband. A controller that
stops at the deadband's edge holds latency at target + 0..deadband, so its median misses its own
target (standard HLS sat at 6.17 s against a 6.0 s HOLD-BACK). ``MIN_CATCH_UP_RATE`` keeps the last
tenths of a second from taking minutes (a rate proportional to a vanishing lag never arrives).

Speeding up spends buffer, so it pauses while the buffer is thin (less than half the target); slowing
down below 1.0 is only used to protect a thin buffer at or under the target (no rebuffer is worth a few
hundred milliseconds of latency). While the viewer is in timeshift (seeked back) nothing catches up;
only the window's oldest end is enforced: once the channel has deleted what the play would fetch next (a
pause or a stall longer than the window), it goes on at the target latency.

A play started behind the edge on purpose (``--start -30``) holds that offset: its policy's target is the
chosen one, and :meth:`LatencyController.go_live` returns to the stream's own (``live_target_s``). Treating
it as timeshift instead would let every rebuffer push it further back, and catching up to the stream's
target would undo the start within minutes (30 s at 1.1x: 5 min).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .window import LiveWindow

DEADBAND_S = 0.2  # behind the target by more than this: start catching up
GAIN_PER_S = 0.1  # one second behind asks for 1.1x
MIN_CATCH_UP_RATE = 1.04  # the slowest catch-up: 0.2 s in 5 s
THIN_BUFFER_S = 0.6
DVR_MARGIN_S = 2.0


@dataclass(frozen=True, kw_only=True)
class LatencyPolicy:
    target_s: float
    max_rate: float = 1.1
    min_rate: float = 0.95
    resync_after_s: float = 0.0  # behind the target by more than this: jump (0 → max(3 s, target))

    @property
    def resync_s(self) -> float:
        return self.resync_after_s or max(3.0, self.target_s)


@dataclass(frozen=True, kw_only=True)
class Decision:
    rate: float
    seek_to: float | None = None
    reason: str = ""


@dataclass
class LatencyController:
    """Stateful only for the report: time spent catching up, resyncs, timeshift."""

    policy: LatencyPolicy
    timeshift: bool = False
    live_target_s: float | None = None  # the stream's own target while ``policy`` holds a chosen start's offset
    catch_up_s: float = 0.0
    resyncs: int = 0
    _last: float | None = field(default=None, init=False)
    _rate: float = field(default=1.0, init=False)
    _catching_up: bool = field(default=False, init=False)  # between passing the deadband and reaching the target

    def decide(self, now: float, latency_s: float, buffer_s: float, position_s: float, window: LiveWindow, *,
               stalled: bool = False) -> Decision:
        """The rate (and maybe a seek) at engine time ``now`` for the current measurements. ``stalled``: rebuffering;
        with nothing buffered a resync waits for the stall's end (the media ahead is no nearer than the media here: a
        10 s CDN stall resynced twice, 3.4 s then 4.0 s, each restart waiting on the same stall). A stall with media
        buffered is libmpv's, not the network's, and a resync may still clear it."""
        if self._last is not None and self._rate > 1.0:
            self.catch_up_s += max(0.0, now - self._last)
        self._last = now
        decision = self._decide(latency_s, buffer_s, position_s, window, stalled)
        self._rate = decision.rate
        if decision.seek_to is not None and decision.reason == "resync":
            self.resyncs += 1
        return decision

    def passed(self, position_s: float, buffer_s: float, window: LiveWindow) -> float | None:
        """Where the play goes on once the window has passed what it would fetch next (deleted by the channel): the
        target latency, as hls.js does, timeshift over; None while inside. Buffered media still plays (a window
        shorter than the hold-back plus a margin held the live play itself "outside": a jump every second); landing
        a margin inside the window, a segment longer than the margin left it again at once."""
        if position_s + buffer_s >= window.start_s:
            return None
        self.timeshift = self._catching_up = False
        return window.clamp(window.edge_s - self.policy.target_s)

    def _decide(self, latency_s: float, buffer_s: float, position_s: float, window: LiveWindow,
                stalled: bool) -> Decision:
        p = self.policy
        if (to := self.passed(position_s, buffer_s, window)) is not None:
            return Decision(rate=1.0, seek_to=to, reason="dvr-window")
        behind = latency_s - p.target_s
        self._catching_up = not self.timeshift and (behind > DEADBAND_S or (self._catching_up and behind > 0))
        if self.timeshift:
            return Decision(rate=1.0, reason="timeshift")
        if behind > p.resync_s and not (stalled and buffer_s < THIN_BUFFER_S):
            self._catching_up = False
            return Decision(rate=1.0, seek_to=window.clamp(position_s + behind), reason="resync")
        if buffer_s < max(THIN_BUFFER_S, p.target_s / 2):  # speeding up would spend what protects us
            rate = p.min_rate if buffer_s < THIN_BUFFER_S and behind <= DEADBAND_S else 1.0
            return Decision(rate=rate, reason="thin-buffer")
        if self._catching_up:
            rate = min(p.max_rate, max(MIN_CATCH_UP_RATE, 1.0 + GAIN_PER_S * behind))
            return Decision(rate=rate, reason="catch-up")
        return Decision(rate=1.0, reason="on-target")

    def seek_back(self) -> None:
        """The viewer moved behind live on purpose: stop catching up until :meth:`go_live`."""
        self.timeshift = True

    def go_live(self, window: LiveWindow) -> float:
        """Back to following live: the position to seek to (edge minus the stream's own target)."""
        self.timeshift = False
        if self.live_target_s is not None:
            self.policy, self.live_target_s = replace(self.policy, target_s=self.live_target_s), None
        return window.clamp(window.edge_s - self.policy.target_s)

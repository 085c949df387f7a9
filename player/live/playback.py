"""The live side of a playback session: follower, server clock, start position, latency control, record.

``open_live`` runs once the presentation is known to be live: it starts the :class:`LiveFollower`,
measures the server clock (UTCTiming, else the ``Date`` header's tick) and picks the start: the
newest segment that begins at or before the live point minus the hold-back (a segment start is a
keyframe, so libmpv shows it at once), or the start asked for (``--start``, ``window.asked_start``),
whose distance behind the edge then becomes the play's target latency. ``LivePlayback.run`` then
samples latency twice a second — the server clock now minus the program date-time of the frame at the
playhead — and applies the :class:`LatencyController`'s rate (libmpv ``speed``) and resyncs. Its
record becomes the report's live fields.
"""
from __future__ import annotations

import asyncio
import contextlib
import statistics
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, NamedTuple

import httpx

from player.manifest import Presentation
from player.net.clock import Clock, ticks

from .clock_probe import from_date_ticks, from_utc_timing
from .clock_sync import ClockSyncError
from .follower import LiveFollower
from .latency import DVR_MARGIN_S, LatencyController, LatencyPolicy
from .window import asked_start, live_start

SAMPLE_S = 0.5
START_WAIT_S = 1.0  # the longest a start waits for the next keyframe rather than start further behind


class LiveJump(NamedTuple):
    """The controller jumped ahead over the channel's media: the DVR window moved past the playhead (the viewer paused,
    or playback stalled, that long) and deleted it, or the play fell too far behind its target latency (a resync)."""

    at: float  # engine time
    from_s: float
    to_s: float
    why: Literal["paused", "stalled", "behind"]  # the window passed while paused or stalled; "behind": a resync

    def phrase(self) -> str:
        skipped = f"the play went on from {self.to_s:.1f} s, {self.to_s - self.from_s:.1f} s of the channel not shown"
        if self.why == "behind":
            return f"the play fell behind its target latency at {self.from_s:.1f} s: {skipped}"
        why = "the viewer paused" if self.why == "paused" else "playback stalled"
        return f"the DVR window moved past the playhead at {self.from_s:.1f} s while {why}: {skipped}"


class LivePlayback:
    def __init__(self, follower: LiveFollower, controller: LatencyController, clock: Clock, start_s: float, *,
                 behind_s: float | None = None, asked_s: float | None = None) -> None:
        self.follower = follower
        self.controller = controller
        self.clock = clock
        self.start_s = start_s
        self.behind_s = behind_s  # how far behind the live edge the start was, when it was chosen
        self.asked_s = asked_s  # the start asked for (``--start``), None: the hold-back point
        self.opened_at = clock.now()
        self.samples: list[tuple[float, float]] = []  # (seconds since open, latency s)
        self.rates: list[tuple[float, float]] = []  # (seconds since open, rate) when it changed
        self.jumps: list[LiveJump] = []

    def latency_s(self, position_s: float) -> float | None:
        server = self.follower.server
        shown = self.follower.epoch_at(position_s)
        if server is None or shown is None:
            return None
        return server.epoch(self.clock.now()) - shown

    def stats(self, position_s: float) -> dict[str, Any]:
        """What a front end shows of the play at ``position_s``: the DVR window, latency, target, timeshift."""
        window = self.follower.window()
        return {"start_s": window.start_s, "edge_s": window.edge_s, "latency_s": self.latency_s(position_s),
                "target_s": self.controller.policy.target_s, "timeshift": self.controller.timeshift}

    def resumed(self, position_s: float, buffer_s: float) -> float | None:
        """The viewer resumes: where the play goes on when the window passed what it would fetch next while paused
        (their doing, named in a notice only), else None. Checked before anything plays or is fetched: a tick later,
        the loops had asked for segments the channel deleted."""
        to = self.controller.passed(position_s, buffer_s, self.follower.window())
        if to is not None:
            self.jumps.append(LiveJump(self.clock.now(), position_s, to, "paused"))
        return to

    def _span(self, jump: LiveJump) -> list[float]:
        """A jump as the report lists it: seconds since open, from, to."""
        return [round(jump.at - self.opened_at, 3), round(jump.from_s, 3), round(jump.to_s, 3)]

    async def run(self, position: Callable[[], float], buffer: Callable[[], float], playing: Callable[[], bool],
                  stalled: Callable[[], bool], set_rate: Callable[[float], None],
                  seek: Callable[[float], Awaitable[None]]) -> None:
        """Sample latency and steer the rate until cancelled; a window passed here passed in a stall (a loss:
        :meth:`lost`): a pause's is found as it ends (:meth:`resumed`). A resync's jump is recorded too: the stretch it
        skips was never shown, and with ``--until`` a play that resynced past it would otherwise end complete with the
        skip only counted."""
        rate = 1.0
        async for now in ticks(self.clock, SAMPLE_S):
            if not playing():
                continue
            pos = position()
            latency = self.latency_s(pos)
            if latency is None:
                continue
            t = now - self.opened_at
            self.samples.append((round(t, 3), round(latency, 3)))
            decision = self.controller.decide(now, latency, buffer(), pos, self.follower.window(), stalled=stalled())
            if decision.rate != rate:
                rate = decision.rate
                set_rate(rate)
                self.rates.append((round(t, 3), rate))
            if decision.seek_to is not None:
                if decision.reason in ("dvr-window", "resync"):
                    why: Literal["stalled", "behind"] = "stalled" if decision.reason == "dvr-window" else "behind"
                    self.jumps.append(LiveJump(now, pos, decision.seek_to, why))
                await seek(decision.seek_to)

    def lost(self) -> list[str]:
        """What the play lost to the channel: the stretches a stall let the DVR window delete before they were shown
        (a pause's are the viewer's doing, named in a notice only)."""
        return [j.phrase() for j in self.jumps if j.why == "stalled"]

    def report(self) -> dict[str, Any]:
        """The report's live fields (added to the contract's JSON)."""
        values = sorted(v for _, v in self.samples)
        window = self.follower.window()
        return {
            "live": True,
            "latency_target_s": self.controller.policy.target_s,
            "latency_s": [list(s) for s in self.samples],
            "latency_p50_s": round(statistics.median(values), 3) if values else None,
            "latency_p95_s": round(values[min(len(values) - 1, int(0.95 * len(values)))], 3) if values else None,
            "start_asked_s": self.asked_s,
            "start_behind_live_s": None if self.behind_s is None else round(self.behind_s, 3),
            "catch_up_s": round(self.controller.catch_up_s, 3),
            "resyncs": self.controller.resyncs,
            "window_passed": [[*self._span(j), j.why == "paused"] for j in self.jumps if j.why != "behind"],
            "resynced": [self._span(j) for j in self.jumps if j.why == "behind"],
            "rate_changes": [list(r) for r in self.rates],
            "dvr_window_s": round(window.depth_s, 3),
            "low_latency": self.follower.low_latency,
            "clock_source": self.follower.server.source if self.follower.server else None,
            "frozen_playlist": self.follower.frozen(),
        }


async def open_live(presentation: Presentation, manifest_urls: Sequence[str], fetch: Callable[[str], Awaitable[bytes]],
                    clock: Clock, *, low_latency: bool | None, start_s: float | None = None) -> LivePlayback:
    """Follow ``presentation`` and decide where to start (``low_latency`` None: LL when the stream offers it).

    ``start_s``: the start asked for (``window.asked_start``: negative counts back from the live edge; one
    outside the DVR window raises ``StartOutsideWindow``, the follower closed); None: the hold-back point."""
    follower = LiveFollower(presentation, manifest_urls, fetch, clock, low_latency=low_latency is not False)
    if any(r.playlist_urls for r in presentation.renditions()):
        # HLS needs the clock only for latency, not for availability: measure it while playback starts
        ticking = asyncio.ensure_future(_probe_ticks(follower, manifest_urls[0], clock))
        follower.closers.append(ticking)
    else:
        from .dash_live import parse_live

        info = parse_live(await fetch(manifest_urls[0]), manifest_urls[0])
        if low_latency is None:
            follower.low_latency = info.low_latency
        async with httpx.AsyncClient() as client:
            follower.server = await from_utc_timing(info.utc_timing, manifest_urls[0], client, clock)
        if follower.server is None:
            await _probe_ticks(follower, manifest_urls[0], clock)
    await follower.start()
    if low_latency is None and follower.hls:
        follower.low_latency = any(h.info is not None and h.info.parts for h in follower.hls.values())
        for h in follower.hls.values():
            h.low_latency = follower.low_latency
    video = follower.presentation().video_track()
    segments = [s for s in video.by_bandwidth()[0].segments if not s.gap] if video else []  # a start shows a picture
    # low latency feeds chunks as they arrive (``chunk_fetch``), so PART-HOLD-BACK / the service
    # description's target can be held, plus one part: media lands a part at a time, so the buffer dips
    # by one part between arrivals, and at the bare hold-back a ~1 s hiccup of a shared machine
    # (encoder, edge or player starved) rebuffered: LL-HLS 4 in 10 min at 1.5 s on this box (load 20)
    target = follower.hold_back_s() + (follower.part_s() if follower.low_latency else 0.0)
    if start_s is None:
        start = await _start(follower, [s.start_s for s in segments], target, clock)
        window = follower.window()
        return LivePlayback(follower, LatencyController(LatencyPolicy(target_s=target)), clock, start,
                            behind_s=window.edge_s - start)
    window = follower.window()
    try:
        start = asked_start(start_s, window, target, DVR_MARGIN_S)
    except BaseException:
        await follower.aclose()
        raise
    # hold the chosen distance behind live: catching up to the stream's target would undo the start
    # (``latency`` module docstring); Go live returns to that target (``live_target_s``)
    behind = window.edge_s - start
    controller = LatencyController(LatencyPolicy(target_s=round(behind, 3)), live_target_s=target)
    return LivePlayback(follower, controller, clock, start, behind_s=behind, asked_s=start_s)


async def _start(follower: LiveFollower, starts: list[float], target: float, clock: Clock) -> float:
    """The start (``window.live_start``), after waiting for it when that is worth it.

    Low latency starts at once at the newest segment start (on our channel the newest INDEPENDENT=YES
    part: one keyframe per segment) and catches up: waiting for the next one cost up to ``START_WAIT_S``
    of startup (10 min LL-HLS: startup 0.94 → 0.12 s, p50/p95 1.97/1.99 s either way, 0 rebuffers; the
    catch-up takes ~22 s). Standard DASH, whose live point moves with the clock, still waits up to
    ``START_WAIT_S`` rather than start up to a whole segment behind; standard HLS's live point moves
    only when a segment lands, so it never waits.
    """
    max_wait = START_WAIT_S if follower.dash is not None and not follower.low_latency else 0.0
    start_s, wait_s = live_start(starts, follower.window().edge_s, target, max_wait)
    if wait_s:
        await clock.sleep(wait_s)
    return start_s


async def _probe_ticks(follower: LiveFollower, url: str, clock: Clock) -> None:
    """The server clock from the ``Date`` header's tick (left unset when the server sends none)."""
    async with httpx.AsyncClient() as client:
        with contextlib.suppress(ClockSyncError):
            follower.server = await from_date_ticks(url, client, clock)

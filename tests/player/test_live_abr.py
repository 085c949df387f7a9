"""Live ABR: an edge replays a throughput trace while the real engine plays; the simulator replays the same.

Issue 4, "Must show": the chosen bitrates follow the trace, and the session's QoE_lin lands within 15 %
of the simulator's (``abr/simulator.py``) figure for the same trace.

How the comparison is kept honest — the simulator gets exactly what the live run had:

* **ladder**: the title's own renditions (the engine's ``scheduler.ladder``), nominal bitrates from the
  manifest (what both QoE figures count), and the *real* size of every segment of every rung read
  from the packaged files, so the simulated transfers carry the same bytes as the edge sent;
* **trace**: the same periods (bandwidth and per-request latency), started at the same point: the
  edge's trace starts when the faults are set, the simulator's at the first video request, so the
  simulated trace is shifted by the measured gap between the two;
* **buffer capacity and algorithm**: the same capacity, a fresh instance of the same algorithm
  (``abr.algorithms.default_algorithm``), the same estimator half-lives; both abandon a download when
  the algorithm says so (the live scheduler shows it each download's progress every 100 ms, the
  simulator every 50 ms / 12 000 bits); the live scheduler lets the algorithm pick the first rung, so
  ``first_rung_lowest=False``;
* **what the algorithm knows**: the live scheduler only knows real segment sizes when the manifest
  announces byte ranges (this DASH ``SegmentTemplate`` title has none), so it plans with nominal
  ``bitrate × duration``; the simulated algorithm is shown the same (``_NominalSizes``) while the
  simulated network still carries the real bytes.

Why the fast link is 5 Mbit/s, not 4: the top rung (720p) is re-encoded each test session at 3.77–3.82 Mbit/s,
and the second segment's rung is decided on the first segment's throughput. At 4 Mbit/s the simulator's exact
4.00 sat on the top rung's threshold (it chose 720p for a 3.77–3.79 rung, 480p for 3.81–3.82), and the live
run's first sample — a 260 ms transfer that shares the CPU with the edge, the remux and libmpv's start in one
process — measured 2.9–3.9 Mbit/s on a loaded box, so the live run climbed 1–3 segments after the simulator
and the 14 s fast phase decided the QoE: 7 runs at load 5–9 gave 1.7–15.7 % apart (3 over 13 %, one failing). At 5 Mbit/s
both clear 720p at once whatever the load (six runs at load 6–12: 2.8–5.3 % apart, the same first 12 rungs).

What still differs, and why it stays inside 15 % (measured in three runs at 4 Mbit/s on an idle box: live 1.687 /
1.686 / 1.688 against simulated 1.594 / 1.740 / 1.688 — 6 %, 3 % and 0 % apart):

* the live buffer is counted against libmpv's playhead, which starts moving only at the first frame
  (grant-less here, but remux + libmpv open and the shared CPU: 0.2–1 s), whereas the simulator
  starts playback the instant the first segment lands; the live player therefore has that much more
  buffer when the link drops, which is why the simulator shows a ~1 s stall on the 720p segment that
  straddles the drop where the live run shows none, and why the live run may climb one segment later;
* the live player also fetches the MPD and an init segment per rung over the shaped link (a few kB);
* measured time to first byte includes loopback and edge scheduling besides the trace latency, and a
  busy CPU adds jitter to the edge's pacing.

The engine runs as shipped, abandonment and throughput floor included: a 480p/720p request that
straddles the drop is abandoned and refetched lower (or, when the algorithm does not give up on it
before the floor fires, aborted as a stall on the only CDN and refetched at the lowest rung,
``emergency_downswitches``), which is the live run's main departure from the simulator's choices: the
simulator's request may land just before or after the drop. With abandonment wired in (one run): live
1.664 with one abandonment against simulated 1.694, 2 % apart.

The title has no audio so the trace's bandwidth is the video's alone, as in the simulator.
"""
from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from abr.algorithms import default_algorithm
from abr.ladder import Ladder
from abr.simulator import SimConfig, simulate
from abr.state import AbrState, Decision, DownloadResult, Progress
from abr.traces import Period, Trace
from backend_stub.config import ApiSettings
from backend_stub.edge.faults import FaultConfig, TracePeriod
from backend_stub.server import Backend
from player.backend import BackendClient
from player.manifest import Rendition
from player.net import Transport
from player.playback import PlaybackSession, SessionOptions

pytestmark = pytest.mark.realtime

TITLE = "abr-live"
SECONDS = 48
HEIGHTS = (240, 360, 480, 720)
BUFFER_S = 12.0
LATENCY_MS = 40.0
FAST_KBPS, SLOW_KBPS = 5000.0, 600.0  # 5 Mbit/s: clear of the 720p rung's threshold (module doc)
#: fast 14 s → slow 16 s → fast again (longer than the title: the loop never comes round)
STEP_TRACE = (
    TracePeriod(duration_ms=14_000, bandwidth_kbps=FAST_KBPS, latency_ms=LATENCY_MS),
    TracePeriod(duration_ms=16_000, bandwidth_kbps=SLOW_KBPS, latency_ms=LATENCY_MS),
    TracePeriod(duration_ms=40_000, bandwidth_kbps=FAST_KBPS, latency_ms=LATENCY_MS),
)
FAST_SETTINGS = ApiSettings(argon2_time_cost=1, argon2_memory_kib=8 * 1024)


@pytest.fixture(scope="session")
def abr_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 48 s clear title, 240/360/480/720p, video only (the trace carries the video alone), encoded once."""
    from backend_stub.encode import make_test_title

    data = tmp_path_factory.mktemp("abr-library")
    make_test_title(data, TITLE, protected=False, seconds=SECONDS, heights=HEIGHTS, audio_langs=())
    return data


@pytest.fixture
def abr_backend(abr_library: Path) -> Iterator[Backend]:
    backend = Backend(abr_library, demo_user=True, edges=1, settings=FAST_SETTINGS).start()
    try:
        yield backend
    finally:
        backend.stop()


class _NominalSizes:
    """The wrapped algorithm sees no real segment sizes — as the live scheduler, whose manifest has no byte ranges."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name

    @staticmethod
    def _hide(state: AbrState) -> AbrState:
        return dataclasses.replace(state, upcoming_sizes_bits=())

    def choose(self, state: AbrState) -> Decision:
        return self.inner.choose(self._hide(state))

    def abandon(self, state: AbrState, progress: Progress) -> Decision | None:
        return self.inner.abandon(self._hide(state), progress)

    def on_download(self, state: AbrState, result: DownloadResult) -> None:
        self.inner.on_download(self._hide(state), result)

    def on_idle(self, seconds: float) -> None:
        self.inner.on_idle(seconds)

    def reset(self) -> None:
        self.inner.reset()


def _segment_file(content: Path, url: str) -> Path:
    """``/c/<token>/<title>/<relative path>`` on the edge → the packaged file it serves."""
    _, _, _token, title, rel = urlsplit(url).path.split("/", 4)
    return content / title / rel


def _ladder(ladder: tuple[Rendition, ...], content: Path) -> Ladder:
    """The title's real ladder: nominal bitrates from the manifest, every segment's size from disk."""
    count = len(ladder[0].segments)
    assert all(len(r.segments) == count for r in ladder)
    sizes = tuple(
        tuple(_segment_file(content, r.segments[i].urls[0]).stat().st_size * 8.0 for r in ladder)
        for i in range(count)
    )
    return Ladder(
        segment_duration_s=ladder[0].segments[0].duration_s,
        bitrates_kbps=tuple(r.bandwidth / 1000.0 for r in ladder),
        sizes_bits=sizes,
    )


def _shifted_trace(offset_s: float) -> Trace:
    """The edge's trace as seen from ``offset_s`` after it was set (the moment of the first video request)."""
    periods = [Period(duration_s=p.duration_ms / 1000.0, kbps=p.bandwidth_kbps, latency_s=p.latency_ms / 1000.0)
               for p in STEP_TRACE]
    while offset_s >= periods[0].duration_s:
        offset_s -= periods[0].duration_s
        periods.append(periods.pop(0))
    periods[0] = dataclasses.replace(periods[0], duration_s=periods[0].duration_s - offset_s)
    return Trace(name="step", periods=tuple(periods))


def _phase(trace_t: float) -> str:
    """Which phase of STEP_TRACE a request issued at ``trace_t`` seconds after the trace was set falls in."""
    fast1 = STEP_TRACE[0].duration_ms / 1000.0
    slow_end = fast1 + STEP_TRACE[1].duration_ms / 1000.0
    return "fast1" if trace_t < fast1 else "slow" if trace_t < slow_end else "fast2"


async def _play_with_trace(
    backend: Backend, wrap: Callable[[Transport], Transport] | None
) -> tuple[dict[str, Any], PlaybackSession, float]:
    client = BackendClient(backend.api_url)
    try:
        await client.login("demo@reelbox.local", "demo")
        options = SessionOptions(buffer_capacity_s=BUFFER_S, wrap_transport=wrap)
        session = PlaybackSession(target=TITLE, options=options, backend=client)
        before = time.monotonic()
        await asyncio.to_thread(backend.edges[0].set_faults, FaultConfig(trace=STEP_TRACE))
        trace_set_at = (before + time.monotonic()) / 2.0
        report = await session.run()
        return report, session, trace_set_at
    finally:
        await client.aclose()


def _check_live_against_simulator(
    report: dict[str, Any], session: PlaybackSession, trace_set_at: float, library: Path
) -> None:
    assert report["errors"] == []
    assert report["decoder_errors"] == 0
    assert report["played_s"] >= SECONDS - 1.0
    video = sorted((s for s in report["segments"] if s["type"] == "video"), key=lambda s: s["index"])
    assert [s["index"] for s in video] == list(range(SECONDS // 2))

    # -- the bitrates follow the trace (a request's phase is where the trace was when it was issued)
    opened = session.qoe.opened_at
    by_phase: dict[str, list[float]] = {"fast1": [], "slow": [], "fast2": []}
    for s in video:
        by_phase[_phase(opened + s["at_s"] - trace_set_at)].append(s["bitrate_kbps"])
    rates = [s["bitrate_kbps"] for s in video]
    summary = {k: [round(v) for v in vs] for k, vs in by_phase.items()}
    assert all(by_phase.values()), summary
    assert max(by_phase["fast1"]) >= 0.45 * FAST_KBPS, summary  # at least 480p while the link is fast
    settled_slow = by_phase["slow"][2:] or by_phase["slow"]
    assert max(settled_slow) <= SLOW_KBPS * 1.8, summary  # 240p/360p once the estimate has caught up
    assert max(by_phase["fast2"]) > max(settled_slow), summary  # climbs back when the link recovers

    # -- the simulator on the same trace, ladder, sizes, latency, capacity and algorithm
    assert session.scheduler is not None
    first_request = opened + video[0]["at_s"]
    ladder = _ladder(session.scheduler.ladder.renditions, library / "content")
    sim = simulate(
        _NominalSizes(default_algorithm()), _shifted_trace(first_request - trace_set_at), ladder,
        SimConfig(buffer_capacity_s=BUFFER_S, first_rung_lowest=False, abandonment=True),
    )
    detail = (f"live qoe_lin={report['qoe_lin']} rebuffer_s={report['rebuffer_s']} abandons={report['abandonments']} "
              f"rates={[round(r) for r in rates]}; sim qoe_lin={sim.qoe_lin:.4f} stall_s={sim.stall_s:.3f} "
              f"abandons={sim.abandons} rates={[round(r) for r in sim.bitrates_kbps]}")
    print(detail)
    assert report["qoe_lin"] is not None
    assert abs(report["qoe_lin"] - sim.qoe_lin) <= 0.15 * abs(sim.qoe_lin), detail


def test_live_bitrates_follow_the_edge_trace_and_qoe_matches_the_simulator(abr_backend: Backend, abr_library: Path):
    """Under a 5 → 0.6 → 5 Mbit/s edge trace the bitrates drop and recover and QoE_lin is within 15 % of the simulator's."""
    report, session, trace_set_at = asyncio.run(_play_with_trace(abr_backend, None))
    _check_live_against_simulator(report, session, trace_set_at, abr_library)


def test_shipped_engine_survives_a_bandwidth_drop_below_half_the_rung_in_flight(abr_backend: Backend):
    """A segment whose link drops under half its rung's bitrate mid-play still arrives (slowly) and playback goes on.

    720p is pinned so that a request is certainly in flight when the trace drops to 600 kbit/s (below the
    1.9 Mbit/s floor); under ABR the same abort happens whenever a 480p/720p request straddles the drop
    and has received too little before it — timing-dependent, which is why ABR is pinned here.
    """
    async def play() -> dict[str, Any]:
        client = BackendClient(abr_backend.api_url)
        try:
            await client.login("demo@reelbox.local", "demo")
            options = SessionOptions(buffer_capacity_s=BUFFER_S, force_rendition=len(HEIGHTS) - 1, until_s=20.0)
            await asyncio.to_thread(abr_backend.edges[0].set_faults, FaultConfig(trace=STEP_TRACE))
            return await PlaybackSession(target=TITLE, options=options, backend=client).run()
        finally:
            await client.aclose()

    report = asyncio.run(play())
    assert report["errors"] == []
    assert report["played_s"] >= 19.0

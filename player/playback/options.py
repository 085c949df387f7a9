"""What a front end asks of a playback session (CLI flags, app settings, QA matrix cells)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from abr.state import Algorithm
from player.net import Clock, CmcdMode, Transport
from player.playback.progress_watch import NO_PROGRESS_S

if TYPE_CHECKING:
    from player.playback.throughput_memory import ThroughputMemory


def make_algorithm(name: str | None) -> Algorithm:
    """The ABR algorithm by name; ``None`` gives the default — the same class the simulator measures."""
    from abr.algorithms import by_name, default_algorithm

    return default_algorithm() if name is None else by_name(name)


@dataclass(kw_only=True)
class SessionOptions:
    abr: str | None = None
    # VOD: a position (None: the backend's resume point, 0 for a plain URL). Live (Shaka Player's startTime):
    # negative counts back from the live edge, else a position on the live timeline; None: the hold-back point
    start_s: float | None = None
    resume: bool = True  # False: with no start_s, begin at 0 (VOD) rather than at a resume point (QA, issue 18)
    until_s: float | None = None
    fmt: str = "dash"
    force_cdn: int | None = None
    force_rendition: int | None = None
    buffer_capacity_s: float = 30.0
    vo: str = "null"
    ao: str = "null"
    mpv_options: dict[str, Any] = field(default_factory=dict)
    device_id: str | None = None
    audio_language: str | None = None
    subtitle_language: str | None = None  # None: no subtitles (a text track costs fast-start probing)
    low_latency: bool | None = None  # live: LL-HLS parts / LL-DASH chunks (None: when the stream offers them)
    # QA (issue 9): wraps the HTTP transport every pool request goes through, given the session's clock,
    # e.g. player.net.shaping's emulation
    wrap_transport: Callable[[Transport, Clock], Transport] | None = None
    # outside content (issue 14): ``--key KID:KEY`` values and a W3C ClearKey licence server
    keys: tuple[str, ...] = ()
    license_url: str | None = None
    # the link's throughput estimate from earlier plays (issue 19): front ends pass the process's
    # (``throughput_memory.process_memory()``); None: every play starts with no estimate (tests, QA)
    throughput_memory: ThroughputMemory | None = None
    # how segment requests carry CMCD (CTA-5004 §2): the query (issue 7's default), headers — for a CDN whose
    # cache key includes the query string, which would miss on every request — or not at all
    cmcd: CmcdMode = CmcdMode.QUERY
    # a play in which nothing moves this long (unpaused) ends with PlaybackStuck (``progress_watch``)
    stuck_after_s: float = NO_PROGRESS_S

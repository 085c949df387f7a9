"""The Reelbox engine: manifests, the CDN pool, the scheduler, the feed into libmpv, the session.

Public face (imported lazily, so ``import player.manifest`` does not load libmpv or PyAV)::

    from player import PlaybackSession, SessionOptions, QoeReport, Clock, MonotonicClock, ManualClock
    from player import Scheduler, SchedulerConfig, SegmentSource, CdnSource, Fetched, PlayerError

Folders by concern: ``manifest/`` (HLS and DASH → one model), ``net/`` (transport, CDN pool, CMCD,
clock, shaping), ``scheduling/`` (ladder, loops, segment feed), ``feed/`` (remux → libmpv),
``playback/`` (session, playhead), ``qoe/`` (typed events and report), ``sync/`` (resume, telemetry).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "PlaybackSession": "player.playback", "SessionOptions": "player.playback", "Playhead": "player.playback",
    "Opened": "player.playback",
    "Scheduler": "player.scheduling", "SchedulerConfig": "player.scheduling", "Ladder": "player.scheduling",
    "QoeReport": "player.qoe", "QoeTracker": "player.qoe", "QoeEvent": "player.qoe",
    "Clock": "player.net.clock", "MonotonicClock": "player.net.clock", "ManualClock": "player.net.clock",
    "SegmentSource": "player.source", "CdnSource": "player.source", "Fetched": "player.source",
    "PlayerError": "player.errors", "PlaybackError": "player.errors", "FetchError": "player.errors",
    "ManifestError": "player.errors", "FeedError": "player.errors",
}
__all__ = [
    "CdnSource", "Clock", "FeedError", "FetchError", "Fetched", "Ladder", "ManifestError", "ManualClock",
    "MonotonicClock", "Opened", "PlaybackError", "PlaybackSession", "PlayerError", "Playhead", "QoeEvent", "QoeReport",
    "QoeTracker", "Scheduler", "SchedulerConfig", "SegmentSource", "SessionOptions",
]

if TYPE_CHECKING:
    from player.errors import FeedError, FetchError, ManifestError, PlaybackError, PlayerError
    from player.net.clock import Clock, ManualClock, MonotonicClock
    from player.playback import Opened, PlaybackSession, Playhead, SessionOptions
    from player.qoe import QoeEvent, QoeReport, QoeTracker
    from player.scheduling import Ladder, Scheduler, SchedulerConfig
    from player.source import CdnSource, Fetched, SegmentSource


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'player' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

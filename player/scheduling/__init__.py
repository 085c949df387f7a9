"""Which segment to fetch next, and fetching it: the scheduler and its parts.

Public face::

    scheduler = Scheduler(presentation=..., source=..., sink=..., algorithm=..., clock=..., position=...,
                          qoe=..., keys=None, config=SchedulerConfig(...), init_cache=None)
    await scheduler.run()          # until the end (or ``until_s``); ``sink.finish()`` then
    scheduler.buffer_s(), .current_rung, .ladder, .abr, .pin(rung), .first_frame_shown()

Modules: ``ladder`` (pure lookups), ``timeline`` (the buffer we count), ``segment_feed`` (inits, keys,
records, CMCD), ``video_loop`` (ABR, abandonment, emergency down-switch), ``audio_loop`` (the follower),
``inflight`` (a download as the abandonment rule sees it), ``waits`` (timeouts on the injected clock).
"""
from player.scheduling.ladder import Ladder, main_kind, pick_audio
from player.scheduling.scheduler import Scheduler, SchedulerConfig
from player.init_cache import InitCache
from player.scheduling.segment_feed import FeedSink

__all__ = ["FeedSink", "InitCache", "Ladder", "Scheduler", "SchedulerConfig", "main_kind", "pick_audio"]

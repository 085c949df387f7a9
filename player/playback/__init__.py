"""Playing one title or URL: the session and its parts.

Public face::

    session = PlaybackSession(target=..., options=SessionOptions(...), backend=None, manifest_urls=(),
                              source=None, presentation=None, keys=None, clock=None)
    report = await session.run()     # the contract JSON; session.qoe_report() is the typed QoeReport
    session.pause(b), await session.seek(s), session.set_rendition(rung), session.stats(), session.stop()

Modules: ``options``, ``opening`` (the grant, → :class:`Opened`), ``keys``, ``running`` (→ a
:class:`RunningPlay`: libmpv, the feed and ``fetching``, the scheduler of the current run, all
present), ``playhead`` (pure, fed by libmpv's events), ``controls`` (what the viewer does), ``stats``,
``play_report`` (what the play lost, its report), ``progress_watch`` (a play where nothing moves ends with a
named error), ``session`` (the lifecycle).
"""
from player.playback.opening import Opened
from player.playback.options import SessionOptions, make_algorithm
from player.playback.playhead import Playhead
from player.playback.session import PlaybackSession

__all__ = ["Opened", "PlaybackSession", "Playhead", "SessionOptions", "make_algorithm"]

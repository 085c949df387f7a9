"""A play that runs: everything it needs, all present, built in one step.

Why a value of its own (issue 13): the session used to grow its parts one by one during ``run()`` —
opened, output, feed, fetching — each ``None`` until its phase, and every control had to ask which
phase it was in. :func:`start_play` builds a :class:`RunningPlay` only once libmpv has opened the
stream and fetching runs, so a running play has every part; before that there is none at all. If a
step fails, what the earlier steps built is closed again (nothing is left fetching or open).
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from player.errors import PlaybackError
from player.feed.mpv_output import MpvOutput
from player.feed.mux_feed import MuxFeed
from player.manifest import Presentation
from player.manifest.periods import declared_families
from player.net.clock import Clock
from player.playback.fetching import Fetching
from player.playback.opening import Opened
from player.playback.options import SessionOptions
from player.playback.output_start import ShownText, add_subtitles
from player.playback.playhead import Playhead
from player.qoe import QoeTracker
from player.scheduling import Scheduler, main_kind, pick_audio
from player.scheduling.start_pick import Carried

if TYPE_CHECKING:  # a VOD play never loads the live side (its imports were CPU in every play, issue 19)
    from player.live.playback import LivePlayback


@dataclass(frozen=True, kw_only=True)
class RunningPlay:
    """The parts of a play once it runs: what was opened, libmpv, the feed into it, the scheduler's run."""

    opened: Opened
    output: MpvOutput
    feed: MuxFeed
    fetching: Fetching
    live: LivePlayback | None  # a live presentation's follower and latency control
    text: ShownText | None = None  # the subtitle track handed to libmpv

    @property
    def text_codec(self) -> str | None:
        """The subtitle track's codec as read at load (None: no subtitles)."""
        return self.text.codec if self.text is not None else None

    @property
    def scheduler(self) -> Scheduler:
        return self.fetching.scheduler

    def seek_target(self, position_s: float, duration_s: float | None) -> float:
        """Where a seek to ``position_s`` lands: inside the title, or (live) inside the DVR window.

        A live seek behind the target latency is a timeshift: no catching up until ``go_live()``.
        """
        position_s = max(0.0, position_s if duration_s is None else min(position_s, duration_s - 0.5))  # live: no end
        if self.live is not None:
            window = self.live.follower.window()
            position_s = window.clamp(position_s, 2.0)
            if position_s < window.edge_s - self.live.controller.policy.target_s - 1.0:
                self.live.controller.seek_back()
        return position_s

    def live_edge_s(self) -> float | None:
        """The live edge minus the target latency (None: not live)."""
        return None if self.live is None else self.live.controller.go_live(self.live.follower.window())

    def draining(self) -> bool:
        """libmpv running dry after the last segment is the end of the stream, not a rebuffer."""
        return self.scheduler.video_done and self.scheduler.buffer_s() < 0.5

    async def aclose(self) -> None:
        """Stop fetching and the live follower; libmpv and what was opened are closed by their owner."""
        await self.fetching.stop()
        if self.live is not None:
            await self.live.follower.aclose()


async def start_play(
    *, opened: Opened, options: SessionOptions, clock: Clock, qoe: QoeTracker, playhead: Playhead,
    making_output: asyncio.Future[tuple[MpvOutput, int | None]], max_height: int | None,
    manifest_urls: tuple[str, ...], fetch: Callable[[str], Awaitable[bytes]] | None, on_failure: Callable[[BaseException], None],
    carried: Carried | None = None, started_at: Callable[[float], None] | None = None,
) -> RunningPlay:
    """Start fetching (while libmpv is still being built), then open the stream in libmpv.

    ``playhead.start_s`` says where; a live presentation starts near its edge, or where ``options.start_s``
    asks (``player.live.window.asked_start``), and ``--until`` counts from there. ``fetch`` is the CDN pool's
    (live needs the network). ``carried``: the link's estimate from earlier plays (the first segment's rung,
    ``start_pick``). ``started_at``: told the start once it is known (libmpv, being built, waits for a start
    only the live window could place).
    """
    async with contextlib.AsyncExitStack() as undo:
        live = None
        if opened.presentation.is_live:
            live = await _open_live(opened.presentation, options, clock, qoe, playhead, manifest_urls, fetch)
            undo.push_async_callback(live.follower.aclose)
        if started_at is not None:
            started_at(playhead.start_s)
        audio = pick_audio(opened.presentation, options.audio_language)
        kind = main_kind(opened.presentation)
        feed = MuxFeed((kind, "audio") if audio else (kind,), parts=opened.streams, start_s=playhead.start_s,
                       carried_audio=audio is None and "aac" in declared_families(opened.presentation))
        fetching = Fetching(  # the first requests go out while libmpv is still being built
            opened=opened, feed=feed, playhead=playhead, options=options, clock=clock, qoe=qoe,
            max_height=max_height, on_failure=on_failure, live=live.follower if live else None, carried=carried,
        )
        undo.push_async_callback(fetching.stop)
        output, generation = await making_output
        text = None
        if generation is None:  # text tracks are added before the file opens
            text = await add_subtitles(opened, output, options.subtitle_language, playhead.start_s)
            generation = output.start(playhead.start_s)
        playhead.restart(playhead.start_s, generation)
        feed.attach(output)
        undo.pop_all()
    return RunningPlay(opened=opened, output=output, feed=feed, fetching=fetching, live=live,
                       text=text)


async def _open_live(
    presentation: Presentation, options: SessionOptions, clock: Clock, qoe: QoeTracker, playhead: Playhead,
    manifest_urls: tuple[str, ...], fetch: Callable[[str], Awaitable[bytes]] | None,
) -> LivePlayback:
    """Follow the live presentation from near its edge, or from the start asked for; ``--until`` counts from that start."""
    from player.live.playback import open_live

    if fetch is None:
        raise PlaybackError("a live presentation plays from the network only")
    live = await open_live(presentation, manifest_urls, fetch, clock, low_latency=options.low_latency,
                           start_s=options.start_s)
    live.opened_at = qoe.opened_at  # latency samples on the report's time axis
    if options.until_s is not None:
        options.until_s = playhead.until_s = live.start_s + options.until_s
    playhead.start_s = live.start_s
    return live

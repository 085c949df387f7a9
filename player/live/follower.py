"""Following a live presentation for the scheduler: the refreshers, one growing presentation, the clock.

The scheduler is written against a :class:`~player.manifest.Presentation` whose renditions list their
segments; for live those lists grow. The follower runs the refresh loops (one :class:`HlsRefresher`
per media playlist, or one :class:`DashRefresher`), rebuilds the presentation from their indexes on
demand (``presentation()``) and wakes waiters when segments
arrive. All renditions share one timeline: the video's, others aligned to it by segment number.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from player.errors import FetchError, LivePeriodsUnsupported, LiveStreamStopped, ManifestError
from player.manifest import Presentation, Rendition
from player.manifest.model import with_segments
from player.net.clock import Clock

from .chunk_fetch import LiveChunks
from .clock_sync import ServerClock
from .dash_refresh import DashRefresher
from .hls_live import HlsLiveInfo
from .hls_refresh import HlsRefresher
from .live_index import LiveIndex
from .refresh import FrozenDetector, dash_reload_delay
from .window import LiveWindow, dash_delay, dash_now, hls_hold_back

Fetch = Callable[[str], Awaitable[bytes]]
DASH_EXTEND_S = 0.25
TIMELINE_RELOAD_S = 0.5
WATCH_S = 0.5  # how often a wait for new segments looks whether the stream ended or froze
FIRST_LOAD_TRIES = 3  # a subtitle playlist's first load, a second apart
#: segments kept before the DVR window's start: a play paused or seeked to the window's edge still finds them; older
#: ones are let go (a kiosk on a channel for weeks held every segment it had seen: ~18 MB a day a rendition at 2 s)
LET_GO_BEHIND_S = 120.0


class LiveFollower:
    """Keeps ``presentation()`` current while playing; ``aclose`` stops the loops."""

    def __init__(self, presentation: Presentation, manifest_urls: Sequence[str], fetch: Fetch, clock: Clock, *,
                 low_latency: bool) -> None:
        self.base = presentation
        self.urls = tuple(manifest_urls)
        self.fetch = fetch
        self.clock = clock
        self.low_latency = low_latency
        self.server: ServerClock | None = None
        self.hls: dict[str, HlsRefresher] = {}
        self.text: dict[str, HlsRefresher] = {}  # subtitle playlists followed (``follow_text``): never end or stop a play
        self.dash: DashRefresher | None = None
        self._updated = asyncio.Event()
        self._dash_frozen: FrozenDetector | None = None  # a timeline MPD's progress (HLS: each refresher's)
        self._unfollowed: LivePeriodsUnsupported | None = None  # an MPD update this follower cannot follow
        self._tasks: list[asyncio.Task[None]] = []
        self.closers: list[asyncio.Future[None]] = []  # helpers to cancel with the loops (a clock probe)
        video = presentation.video_track()
        self._video_ids = [r.id for r in video.renditions] if video else []

    # -- start -------------------------------------------------------------------------------
    async def start(self) -> None:
        """First load of every playlist (or the MPD), then the loops."""
        renditions = self.base.renditions()
        # subtitle playlists (WebVTT or fMP4) are followed apart, and only the one shown (``follow_text``)
        text = {r.id for track in self.base.text_tracks() for r in track.renditions}
        if any(r.playlist_urls for r in renditions):
            self.hls = {r.id: HlsRefresher(r.playlist_urls[0], self.fetch, self.clock, low_latency=self.low_latency)
                        for r in renditions if r.playlist_urls and r.id not in text}
            await asyncio.gather(*(h.reload() for h in self.hls.values()))
            self._align()
            self._tasks = [asyncio.ensure_future(h.run(self._wake)) for h in self.hls.values()]
        else:
            self.dash = DashRefresher(self.urls, self.fetch)
            await self.dash.reload()
            self._extend()
            self._tasks = [asyncio.ensure_future(self._dash_loop())]

    async def follow_text(self, rendition: Rendition) -> None:
        """Follow a subtitle playlist too (HLS; an MPD lists every Representation already), apart from the media's:
        one that stops advancing or fails leaves the picture and sound playing."""
        if self.dash is not None or not rendition.playlist_urls or rendition.id in self.text:
            return
        refresher = HlsRefresher(rendition.playlist_urls[0], self.fetch, self.clock, low_latency=False)
        for attempt in range(FIRST_LOAD_TRIES):  # a transient failure must not end the subtitles for the play
            try:
                await refresher.reload()
                break
            except (FetchError, ManifestError):
                if attempt == FIRST_LOAD_TRIES - 1:
                    raise
                await self.clock.sleep(1.0)
        self.text[rendition.id] = refresher
        self._align_to_video(refresher.index)
        self._tasks.append(asyncio.ensure_future(refresher.run(self._wake)))

    async def text_settled(self, rendition_id: str) -> None:
        """At the event's end: give a followed subtitle playlist one target duration to list its last segments."""
        refresher = self.text.get(rendition_id)
        if refresher is not None and not refresher.ended:
            await self.clock.sleep(refresher.info.target_s if refresher.info is not None else 2.0)

    def rendition(self, rendition_id: str) -> Rendition | None:
        """One rendition of :meth:`presentation`, with its live segments so far."""
        return next((r for r in self.presentation().renditions() if r.id == rendition_id), None)

    def _align(self) -> None:
        """Put every rendition's timeline on the video's, through a shared segment number."""
        for index in self._indexes().values():
            self._align_to_video(index)

    def _align_to_video(self, index: LiveIndex) -> None:
        reference = self._video_index()
        if index is reference or reference is None:
            return
        for ref in index.segments:
            mine = reference.by_number(ref.number)
            if mine is not None:
                index.shift(mine.start_s - ref.start_s)
                break

    async def _dash_loop(self) -> None:
        """Extend a ``$Number$`` MPD from the clock; reload a timeline MPD often (a new segment is only
        known once listed; ``minimumUpdatePeriod`` bounds how stale a copy may get, not how fresh)."""
        assert self.dash is not None and self.dash.info is not None
        reload_every = dash_reload_delay(self.dash.info)
        if reload_every is not None and self.dash.info.video_template is None:
            reload_every = min(reload_every, TIMELINE_RELOAD_S)
        next_reload = self.clock.now() + (reload_every or 1e9)
        if reload_every is not None and self.dash.info.video_template is None:  # listed segments: can freeze
            self._dash_frozen = FrozenDetector.for_target(max(self.dash.info.minimum_update_period_s or 0.0,
                                                              self._newest_duration_s()))
        while True:
            await self.clock.sleep(DASH_EXTEND_S)
            if reload_every is not None and self.clock.now() >= next_reload:
                try:
                    if await self.dash.reload():
                        self._wake()
                except LivePeriodsUnsupported as exc:  # the play must end saying so, not go on with the first Period
                    self._unfollowed = exc
                    self._wake()
                    return
                except Exception:  # noqa: BLE001 - a failed reload is a reload that brought nothing
                    pass
                if self._dash_frozen is not None:
                    index = self._video_index()
                    self._dash_frozen.observe(self.clock.now(), index.newest if index else None)
                if self.ended():
                    self._wake()  # the loops finish what is listed
                next_reload = self.clock.now() + reload_every
            if self._extend():
                self._wake()

    def _extend(self) -> int:
        if self.dash is None or self.server is None:
            return 0
        return self.dash.extend(self.server.epoch(self.clock.now()), early=self.low_latency)

    @property
    def chunks(self) -> LiveChunks | None:
        """Low latency: segments are fetched and fed chunk by chunk (``chunk_fetch``); None: whole."""
        return LiveChunks(self.hls, self.wait_update, self.clock) if self.low_latency else None

    def _wake(self) -> None:
        self._updated.set()
        self._updated = asyncio.Event()

    async def wait_update(self) -> None:
        """Until new segments arrive in any rendition; at once when the event has ended (the loops then
        finish what is listed). Raises :class:`LiveStreamStopped` once the manifest has stopped advancing:
        a play of a stream whose encoder died must end with that said, not wait for ever."""
        while not self.ended():
            self._check_followed()
            if self.frozen():
                raise LiveStreamStopped(f"the live {'MPD' if self.dash else 'playlist'} has not advanced for "
                                        f"{self.frozen_limit_s():g} s (no new segment, no end of stream)")
            updated = asyncio.ensure_future(self._updated.wait())
            watch = asyncio.ensure_future(self.clock.sleep(WATCH_S))
            done, _ = await asyncio.wait({updated, watch}, return_when=asyncio.FIRST_COMPLETED)
            for task in (updated, watch):
                task.cancel()
            if updated in done:
                return

    def _check_followed(self) -> None:
        if self._unfollowed is not None:
            raise self._unfollowed

    def ended(self) -> bool:
        """The event is over: every video playlist has EXT-X-ENDLIST, or the MPD turned static."""
        if self.dash is not None:
            return self.dash.info is not None and not self.dash.info.dynamic
        refreshers = [self.hls[rid] for rid in self._video_ids if rid in self.hls] or list(self.hls.values())
        return bool(refreshers) and all(h.ended for h in refreshers)

    def frozen_limit_s(self) -> float:
        detectors = [h.frozen for h in self.hls.values() if h.frozen is not None] + [self._dash_frozen]
        return max((d.limit_s for d in detectors if d is not None), default=0.0)

    def _newest_duration_s(self) -> float:
        index = self._video_index()
        return index.segments[-1].duration_s if index is not None and index.segments else 2.0

    async def aclose(self) -> None:
        for task in (*self._tasks, *self.closers):
            task.cancel()
        await asyncio.gather(*self._tasks, *self.closers, return_exceptions=True)

    # -- what the session reads --------------------------------------------------------------
    def _indexes(self) -> dict[str, LiveIndex]:
        if self.dash is not None:
            return self.dash.indexes
        return {rid: h.index for rid, h in (*self.hls.items(), *self.text.items())}

    def _video_index(self) -> LiveIndex | None:
        indexes = self._indexes()
        return next((indexes[rid] for rid in self._video_ids if rid in indexes), None)

    def presentation(self) -> Presentation:
        """The presentation with every rendition's live segments from ``LET_GO_BEHIND_S`` before the DVR window,
        EXT-X-GAPs listed as in a title (the ladder fills a gap in one rung from another). The loops carry their
        positions across the segments let go (``ladder.carried``).

        Video renditions are cut to the newest segment they all have: the scheduler looks every rung
        up by the lowest rung's index, and their playlists are reloaded one by one.
        """
        self._check_followed()
        indexes = self._indexes()
        floor = self.window().start_s - LET_GO_BEHIND_S
        for index in indexes.values():
            index.let_go_before(floor)
        newest = [indexes[rid].newest for rid in self._video_ids if rid in indexes]
        common = min((n for n in newest if n is not None), default=None)

        def live(r: Rendition) -> Rendition:
            index = indexes.get(r.id)
            if index is None:
                return r
            cut = common if r.id in self._video_ids and common is not None else None
            return with_segments(r, tuple(s for s in index.segments if cut is None or s.number <= cut))

        periods = tuple(replace(p, tracks=tuple(replace(t, renditions=tuple(live(r) for r in t.renditions))
                                                for t in p.tracks)) for p in self.base.periods[:1])
        return replace(self.base, periods=periods)

    def epoch_at(self, time_s: float) -> float | None:
        """The program date-time (server epoch) of media at ``time_s``."""
        index = self._video_index()
        return None if index is None else index.epoch_at(time_s)

    def window(self) -> LiveWindow:
        """The DVR window on the video timeline."""
        index = self._video_index()
        segments = index.complete if index else []
        if self.dash is not None and self.dash.info is not None and not self.dash.info.dynamic:
            # the event ended (the MPD turned static, ffmpeg's last write): no availabilityStartTime, no
            # clock-driven edge any more; the window is what is listed (it read ~1.8e9 s, "now" since 1970)
            if not segments:
                return LiveWindow(start_s=0.0, edge_s=0.0)
            return LiveWindow(start_s=segments[0].start_s, edge_s=segments[-1].end_s)
        if self.dash is not None and self.dash.info is not None and self.server is not None:
            now = dash_now(self.dash.info, self.server.epoch(self.clock.now()))
            start = segments[0].start_s if segments else 0.0
            return LiveWindow(start_s=max(start, now - self.dash.info.dvr_s), edge_s=now)
        hls = next(iter(self.hls.values()), None)
        first = hls.info.media_sequence if hls and hls.info else 0
        listed = [s for s in segments if s.number >= first]
        start = listed[0].start_s if listed else 0.0
        edge = segments[-1].end_s if segments else 0.0
        if hls is not None and hls.info is not None and self.low_latency and hls.info.parts:
            edge += sum(p.duration_s for p in hls.info.parts if p.msn > (segments[-1].number if segments else -1))
        return LiveWindow(start_s=start, edge_s=edge)

    def oldest_s(self) -> float:
        return self.window().start_s

    def hold_back_s(self) -> float:
        if self.dash is not None and self.dash.info is not None:
            return dash_delay(self.dash.info, self.low_latency)
        info = self._video_refresher_info()
        return 6.0 if info is None else hls_hold_back(info, self.low_latency)

    def part_s(self) -> float:
        """The low-latency unit of arrival: PART-TARGET, or an LL-DASH chunk (segment − availabilityTimeOffset)."""
        if self.dash is not None and self.dash.info is not None:
            tpl = self.dash.info.video_template
            return tpl.duration_s - tpl.availability_offset_s if tpl is not None and tpl.availability_offset_s > 0 else 0.0
        info = self._video_refresher_info()
        return (info.part_target_s or 0.0) if info is not None else 0.0

    def _video_refresher_info(self) -> HlsLiveInfo | None:
        for rid in self._video_ids:
            if rid in self.hls and self.hls[rid].info is not None:
                return self.hls[rid].info
        return None

    def frozen(self) -> bool:
        """A playlist (or a timeline MPD) has not advanced for several target durations."""
        return (any(h.frozen is not None and h.frozen.frozen for h in self.hls.values())
                or (self._dash_frozen is not None and self._dash_frozen.frozen))

"""Keeping one live HLS media playlist current (RFC 8216bis §6.3.4 reloads, §6.2.5.2 blocking reload).

``reload`` fetches the playlist once — for a low-latency client as a blocking request for the next part
when the server can block (held for at most a part, well inside the pool's read timeout), else plainly —
and merges new segments into the rendition's :class:`LiveIndex`.
``run`` repeats it by the spec's timing and marks the playlist frozen when it stops advancing. The
fetch is injected (the CDN pool in the engine, anything in tests) and time comes from the engine clock.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from player.errors import FetchError, ManifestError
from player.manifest.hls_playlist import parse_media
from player.manifest.uris import resolve
from player.net.clock import Clock

from .hls_live import HlsLiveInfo, parse_live
from .live_index import LiveIndex
from .refresh import FrozenDetector, blocking_reload_url, hls_reload_delay

Fetch = Callable[[str], Awaitable[bytes]]


class HlsRefresher:
    """One media playlist's reload loop; ``index`` only grows."""

    def __init__(self, url: str, fetch: Fetch, clock: Clock, *, low_latency: bool) -> None:
        self.url = url
        self._fetch = fetch
        self._clock = clock
        self.low_latency = low_latency
        self.index = LiveIndex()
        self.info: HlsLiveInfo | None = None
        self.frozen: FrozenDetector | None = None
        self.reloads = 0
        self.failures = 0
        self._changed = True

    @property
    def ended(self) -> bool:
        """The playlist gained EXT-X-ENDLIST: the event is over."""
        return self.info is not None and not self.info.live

    async def reload(self) -> int:
        """One reload (blocking when possible); returns how many segments were added."""
        url = self.url
        if self.info is not None and self.low_latency:
            url = blocking_reload_url(self.url, self.info, True) or self.url
        data = await self._fetch(url)
        playlist = parse_media(data, self.url)
        info = parse_live(data, self.url)
        added = self.index.merge(playlist.segments)
        if self.low_latency and info.live and (info.parts or info.preload_hint):
            self.index.announce(info.next_msn, info.target_s)  # the segment being written, fed part by part
        if info.pdt_anchor is not None:
            mine = self.index.timeline_s(info.pdt_anchor[0], playlist.segments)
            if mine is not None:
                self.index.anchor(mine, info.pdt_anchor[1])
        self._changed = self.info is None or (info.next_msn, len(info.parts)) != (self.info.next_msn, len(self.info.parts))
        self.info = info
        self.reloads += 1
        if self.frozen is None:
            self.frozen = FrozenDetector.for_target(info.target_s)
        self.frozen.observe(self._clock.now(), (info.next_msn, len(info.parts)))
        return added

    # -- parts (low latency) ---------------------------------------------------------------
    def writing(self, msn: int) -> bool:
        """Segment ``msn`` is still being written (announced, not yet listed whole): fetched part by part.
        A complete one is one request, even when its parts are still listed."""
        return self.index.provisional == msn or (self.info is not None and self.info.live and msn >= self.info.next_msn)

    def part_uri(self, msn: int, index: int) -> str | None:
        """The URL of part ``index`` of segment ``msn``: listed, or the preload hint's target; else None."""
        info = self.info
        if info is None:
            return None
        for part in info.parts:
            if part.msn == msn and part.index == index:
                return resolve(self.url, part.uri)
        if info.preload_hint and info.hint_part() == (msn, index):
            return resolve(self.url, info.preload_hint)
        return None

    def parts_in(self, msn: int) -> int | None:
        """How many parts complete segment ``msn`` has; None while it is still being written."""
        info = self.info
        if info is None or (msn >= info.next_msn and info.live):
            return None
        return sum(1 for p in info.parts if p.msn == msn)

    def next_delay(self) -> float:
        """How long to wait before the next reload: none after a blocking one that brought news, else by
        §6.3.4 (a server that says it blocks but answers at once with nothing new is not hammered)."""
        if self.info is None:
            return 0.0
        if self._changed and self.low_latency and blocking_reload_url(self.url, self.info, True) is not None:
            return 0.0
        return hls_reload_delay(self.info, self._changed)

    async def run(self, on_update: Callable[[], None] | None = None) -> None:
        """Reload until the playlist ends (cancel the task to stop); errors wait half a target and retry."""
        while not self.ended:
            try:
                added = await self.reload()
                delay = self.next_delay()
                if (added or self._changed) and on_update is not None:  # a new part too: chunks wait for it
                    on_update()
            except (FetchError, ManifestError):
                self.failures += 1
                delay = (self.info.target_s if self.info else 2.0) / 2
                if self.frozen is not None and self.info is not None:
                    self.frozen.observe(self._clock.now(), (self.info.next_msn, len(self.info.parts)))
            await self._clock.sleep(delay)

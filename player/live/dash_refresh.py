"""Keeping a dynamic MPD's segments current (ISO/IEC 23009-1 §5.4 MPD updates, §5.3.9.5.3 availability).

A ``SegmentTimeline`` MPD (ours standard, ffmpeg's ``-f dash``) lists its segments: reload it every
``minimumUpdatePeriod`` and merge. A ``$Number$`` + ``@duration`` MPD (ours LL, and never updated) lists
none — its segments follow from the clock: ``extend(server_epoch)`` works out the newest available number
and lets the shared parser enumerate the template up to it (``@startNumber``/``@endNumber`` and the
Period start set on a copy of the XML, so only the DVR window is enumerated),
so base URLs, init segments and protection come out exactly as for VOD. One fetched MPD is parsed
once per edge URL: the backend's per-edge manifests differ only in where relative URLs point.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from xml.etree import ElementTree as ET

from player.errors import LivePeriodsUnsupported
from player.manifest import Presentation
from player.manifest.convert import local_name
from player.manifest.dash import parse_dash
from player.manifest.merge import merge_presentations

from .dash_live import DashLiveInfo, parse_live
from .live_index import LiveIndex
from .window import dash_now, newest_number, number_at

Fetch = Callable[[str], Awaitable[bytes]]


class DashRefresher:
    """The live segment indexes of every Representation of one dynamic MPD, by Representation id."""

    def __init__(self, urls: Sequence[str], fetch: Fetch) -> None:
        self.urls = tuple(urls)
        self._fetch = fetch
        self.info: DashLiveInfo | None = None
        self.presentation: Presentation | None = None
        self.indexes: dict[str, LiveIndex] = {}
        self._text = ""
        self.reloads = 0

    async def reload(self) -> int:
        """Fetch and parse the MPD; returns how many segments were added (timeline MPDs)."""
        data = await self._fetch(self.urls[0])
        self._text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        self.info = parse_live(self._text, self.urls[0])
        self.reloads += 1
        return self._merge(self._text)

    def extend(self, server_epoch: float, *, early: bool = False) -> int:
        """Add the ``$Number$`` segments available at ``server_epoch``; returns how many were added.

        ``early`` (low latency, fed chunk by chunk): from ``availabilityTimeOffset`` before their end, as
        soon as their first chunk exists; else only complete ones (a whole segment fetched early only
        waits for the encoder)."""
        info = self.info
        if info is None or info.video_template is None:
            return 0
        tpl = info.video_template
        now = dash_now(info, server_epoch)
        newest = newest_number(tpl if early else replace(tpl, availability_offset_s=0.0), now)
        oldest = now - info.dvr_s
        first = max(tpl.start_number, number_at(tpl, oldest), *(i.newest + 1 for i in self.indexes.values() if i.newest is not None))
        if first > newest:
            return 0
        root = ET.fromstring(self._text)
        moved_s = (first - tpl.start_number) * tpl.duration_s
        for el in root.iter():
            name = local_name(el.tag)
            if name == "Period":  # the parser times slot 0 from the Period start: move it to ``first``
                el.set("start", f"PT{tpl.period_start_s + moved_s:.6f}S")
            elif name == "SegmentTemplate" and el.get("duration") is not None:
                el.set("startNumber", str(first))
                el.set("endNumber", str(newest))
        return self._merge(ET.tostring(root, encoding="unicode"), moved_s)

    def _merge(self, text: str, moved_s: float = 0.0) -> int:
        """Parse ``text`` and add its new segments; ``moved_s``: how far :meth:`extend` moved the Period's start, taken
        back out of each segment's ``media_offset_s`` (a subtitle segment's cue times count from the true start)."""
        presentation = merge_presentations([parse_dash(text, url) for url in self.urls])
        # an update that adds Periods, even the last one, which turns the MPD static at the event's end
        if len(presentation.periods) > 1 and self.info is not None and (self.info.dynamic or self.reloads > 1):
            later = presentation.periods[1]
            raise LivePeriodsUnsupported(f"the live MPD lists {len(presentation.periods)} Periods (the second, "
                                         f"{later.id!r}, at {later.start_s:.1f} s): only one is followed live")
        self.presentation = presentation
        added = 0
        for rendition in presentation.renditions():
            index = self.indexes.setdefault(rendition.id, LiveIndex())
            if self.info is not None and self.info.availability_start is not None:
                index.anchor(0.0, self.info.availability_start)
            segments = rendition.segments if not moved_s else tuple(
                replace(s, media_offset_s=s.media_offset_s - moved_s) if s.media_offset_s is not None else s
                for s in rendition.segments)
            added += index.merge(segments, rebase=False)
        return added

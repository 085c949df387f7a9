"""DASH-IF thumbnail tracks → :class:`~.model.Thumbnails` (DASH-IF IOP v4.3 §6.2.6), no I/O.

A thumbnail AdaptationSet has ``contentType="image"`` (or an ``image/*`` mimeType) and an
EssentialProperty ``http://dashif.org/thumbnail_tile`` whose value is the grid, ``COLSxROWS``;
the Representation's ``width``/``height`` are a whole sheet's. Sheets are addressed like any
segment, so :func:`~.dash_segments.addressing` expands them. Kept apart from the media tracks: the
scheduler never sees it, so nothing about video/audio/text changes.
"""
from __future__ import annotations

import re
from dataclasses import replace
from xml.etree.ElementTree import Element

from .convert import child, children, to_int
from .dash_segments import Context, addressing
from .model import Thumbnails

TILE_SCHEME = "http://dashif.org/thumbnail_tile"
_GRID = re.compile(r"^\s*(\d{1,3})\s*x\s*(\d{1,3})\s*$", re.IGNORECASE)


def _is_image(aset: Element) -> bool:
    return (aset.get("contentType") or "").lower() == "image" or (aset.get("mimeType") or "").lower().startswith("image/")


def _grid(elements: list[Element], ns: str | None) -> tuple[int, int] | None:
    for el in elements:
        for prop in children(el, "EssentialProperty", ns) + children(el, "SupplementalProperty", ns):
            m = _GRID.match(prop.get("value") or "") if prop.get("schemeIdUri") == TILE_SCHEME else None
            if m and int(m.group(1)) > 0 and int(m.group(2)) > 0:
                return int(m.group(1)), int(m.group(2))
    return None


def _sheet_s(chain: list[Element], ns: str | None, fallback: float) -> float:
    """A full sheet's duration: the lowest SegmentTemplate ``@duration``/``@timescale`` (§5.3.9.5.2),
    else the longest sheet (a SegmentTimeline lists them; only the last can be short)."""
    attrs: dict[str, str] = {}
    for el in chain:  # Period → AdaptationSet → Representation: lower levels override
        tpl = child(el, "SegmentTemplate", ns)
        if tpl is not None:
            attrs.update(tpl.attrib)
    duration = to_int(attrs.get("duration"), name="SegmentTemplate@duration")
    timescale = to_int(attrs.get("timescale"), name="SegmentTemplate@timescale", default=1) or 1
    return duration / timescale if duration else fallback


def period_thumbnails(period: Element, *, start_s: float, duration_s: float | None, bases: tuple[str, ...],
                      is_live: bool, ns: str | None) -> Thumbnails | None:
    """The first tiled image Representation of ``period`` (the smallest sheets when there are several)."""
    found: list[tuple[int, Thumbnails]] = []
    for aset in children(period, "AdaptationSet", ns):
        if not _is_image(aset):
            continue
        for rep in children(aset, "Representation", ns):
            grid = _grid([rep, aset], ns)
            width = to_int(rep.get("width") or aset.get("width"), name="width")
            height = to_int(rep.get("height") or aset.get("height"), name="height")
            if grid is None or not width or not height:
                continue  # an untiled image track (a poster, say): not for the seek bar
            ctx = Context(bases=bases, rep_id=rep.get("id") or "thumbnails",
                          bandwidth=to_int(rep.get("bandwidth"), name="bandwidth", default=0) or 0,
                          period_start_s=start_s, period_duration_s=duration_s, is_live=is_live, protection=None, ns=ns)
            sheets = addressing([period, aset, rep], ctx).segments
            if sheets:
                cols, rows = grid
                sheet_s = _sheet_s([period, aset, rep], ns, max(s.duration_s for s in sheets))
                found.append((width * height, Thumbnails(cols=cols, rows=rows, tile_width=width // cols,
                                                         tile_height=height // rows,
                                                         tile_duration_s=sheet_s / (cols * rows), sheets=sheets)))
    return min(found, key=lambda f: f[0])[1] if found else None


def join_thumbnails(parts: list[Thumbnails | None]) -> Thumbnails | None:
    """One track over every Period's sheets (grid and tile size from the first Period that has one)."""
    present = [p for p in parts if p is not None]
    if not present:
        return None
    return replace(present[0], sheets=tuple(s for p in present for s in p.sheets))

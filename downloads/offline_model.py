"""The presentation of a downloaded asset, stored as JSON beside the queue and rebuilt offline.

At download time the title's ``Presentation`` is cut down to the planned tracks and each
``SegmentRef.urls`` is replaced by one local address, ``reelbox-offline:<track>/<index>``, which
:class:`downloads.offline_source.OfflineSource` resolves to a sealed slot. Signed edge URLs are not
kept: they expire, and they are credentials. Everything else (timing, codecs, protection with its
KIDs and PSSH boxes) is kept, so the engine plays the download exactly as it would stream it.

The JSON holds no media and no key: only the model (bytes fields as base64).
"""
from __future__ import annotations

import base64
import itertools
import json
from dataclasses import replace
from typing import Any

from player.manifest import ByteRange, Period, Presentation, Protection, Rendition, SegmentRef, Track

from downloads.errors import SealError
from downloads.plan import PlannedTrack

SCHEME = "reelbox-offline:"
VERSION = 1


def offline_url(track: int, index: int) -> str:
    return f"{SCHEME}{track}/{index}"


def parse_offline_url(url: str) -> tuple[int, int]:
    """``(track, index)`` of a ``reelbox-offline:`` address."""
    if not url.startswith(SCHEME):
        raise SealError(f"not an offline segment address: {url[:40]!r}")
    track, _, index = url[len(SCHEME):].partition("/")
    try:
        return int(track), int(index)
    except ValueError:
        raise SealError(f"bad offline segment address: {url[:40]!r}") from None


def offline_presentation(presentation: Presentation, planned: tuple[PlannedTrack, ...]) -> Presentation:
    """Only the planned renditions, each ref pointing at its local slot."""
    period = presentation.periods[0]
    tracks: list[Track] = []
    for p in planned:
        slots = dict((id(ref), idx) for idx, ref in p.slots())
        r = p.rendition
        init = r.init or (r.segments[0].init if r.segments else None)
        local_init = replace(init, urls=(offline_url(p.track_no, 0),), byte_range=None) if init else None
        segments = tuple(
            replace(s, urls=(offline_url(p.track_no, slots[id(s)]),), byte_range=None,
                    init=local_init if s.init is not None else None)
            for s in r.segments)
        rendition = replace(r, init=local_init, segments=segments, playlist_urls=(), index=None)
        source = next(t for t in period.tracks if r in t.renditions)
        tracks.append(replace(source, renditions=(rendition,)))
    return replace(presentation, periods=(replace(period, tracks=tuple(tracks)),),
                   source_url=SCHEME, source_urls=())


# --- JSON ------------------------------------------------------------------------------------

def _b(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _unb(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def _prot(p: Protection | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"scheme": p.scheme, "default_kid": _b(p.default_kid), "pssh": [_b(x) for x in p.pssh],
            "key_uri": p.key_uri, "iv": _b(p.iv), "key_format": p.key_format}


def _unprot(d: dict[str, Any] | None) -> Protection | None:
    if d is None:
        return None
    return Protection(scheme=d["scheme"], default_kid=_unb(d["default_kid"]), pssh=tuple(_unb(x) or b"" for x in d["pssh"]),
                      key_uri=d["key_uri"], iv=_unb(d["iv"]), key_format=d["key_format"])


def _ref(s: SegmentRef, rendition_prot: Protection | None) -> dict[str, Any]:
    same = s.protection is rendition_prot or s.protection == rendition_prot
    return {"number": s.number, "start_s": s.start_s, "duration_s": s.duration_s, "urls": list(s.urls),
            "byte_range": list(s.byte_range) if s.byte_range else None, "has_init": s.init is not None,
            "protection": "same" if same else _prot(s.protection), "discontinuity": s.discontinuity,
            "timeline": s.timeline, "gap": s.gap, "media_offset_s": s.media_offset_s,
            "period_start_s": s.period_start_s, "period_end_s": s.period_end_s}


def _unref(d: dict[str, Any], init: SegmentRef | None, rendition_prot: Protection | None, timeline: int = 0) -> SegmentRef:
    """``timeline``: the segment's HLS discontinuity count, for stores up to session 7 that did not keep it."""
    prot = rendition_prot if d["protection"] == "same" else _unprot(d["protection"])
    return SegmentRef(number=d["number"], start_s=d["start_s"], duration_s=d["duration_s"], urls=tuple(d["urls"]),
                      byte_range=ByteRange(*d["byte_range"]) if d["byte_range"] else None,
                      init=init if d["has_init"] else None, protection=prot, discontinuity=d["discontinuity"],
                      timeline=d.get("timeline", timeline), gap=bool(d.get("gap", False)),
                      media_offset_s=d.get("media_offset_s"), period_start_s=d.get("period_start_s"),
                      period_end_s=d.get("period_end_s"))


def _unrefs(stored: list[dict[str, Any]], init: SegmentRef | None, prot: Protection | None) -> tuple[SegmentRef, ...]:
    """A rendition's segments; where a store kept no timeline, each discontinuity starts the next one, as the
    HLS parser counts them (the feed places each timeline's restarted timestamps after the one before)."""
    timelines = itertools.accumulate(int(bool(d["discontinuity"])) for d in stored)
    return tuple(_unref(d, init, prot, timeline) for d, timeline in zip(stored, timelines))


_REND_FIELDS = ("id", "bandwidth", "codecs", "width", "height", "frame_rate", "mime_type", "group_id",
                "audio_group", "subtitle_group")


def dumps(presentation: Presentation) -> str:
    """The model as JSON (``loads`` gives back an equal ``Presentation``)."""
    def rend(r: Rendition) -> dict[str, Any]:
        out = {k: getattr(r, k) for k in _REND_FIELDS}
        out["protection"] = _prot(r.protection)
        out["init"] = None if r.init is None else _ref(r.init, r.protection)
        out["segments"] = [_ref(s, r.protection) for s in r.segments]
        return out

    doc = {"version": VERSION, "is_live": presentation.is_live, "duration_s": presentation.duration_s,
           "source_url": presentation.source_url,
           "periods": [{"id": p.id, "start_s": p.start_s, "duration_s": p.duration_s, "tracks": [
               {"kind": t.kind, "language": t.language, "label": t.label, "roles": list(t.roles),
                "default": t.default, "renditions": [rend(r) for r in t.renditions]}
               for t in p.tracks]} for p in presentation.periods]}
    return json.dumps(doc, separators=(",", ":"))


def loads(text: str) -> Presentation:
    """The model back from ``dumps``; ``SealError`` if the stored JSON is damaged."""
    try:
        doc = json.loads(text)
        if doc.get("version") != VERSION:
            raise ValueError("unknown version")

        def rend(d: dict[str, Any]) -> Rendition:
            prot = _unprot(d["protection"])
            init = None if d["init"] is None else _unref(d["init"], None, prot)
            return Rendition(**{k: d[k] for k in _REND_FIELDS}, protection=prot, init=init,
                             segments=_unrefs(d["segments"], init, prot))

        periods = tuple(Period(id=p["id"], start_s=p["start_s"], duration_s=p["duration_s"], tracks=tuple(
            Track(kind=t["kind"], language=t["language"], label=t["label"], roles=tuple(t["roles"]),
                  default=bool(t.get("default", False)),  # stored since session 7
                  renditions=tuple(rend(r) for r in t["renditions"]))
            for t in p["tracks"])) for p in doc["periods"])
        return Presentation(periods=periods, is_live=doc["is_live"], duration_s=doc["duration_s"],
                            source_url=doc["source_url"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SealError(f"the stored presentation is damaged: {exc}") from exc

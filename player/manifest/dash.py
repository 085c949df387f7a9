"""DASH MPD → neutral model (ISO/IEC 23009-1), no I/O.

Why ``xml.etree`` and not ``mpegdash``: mpegdash 0.4.1 reads booleans with ``bool(str)``
(``segmentAlignment="0"`` is true), keeps durations and dates as strings, neither expands
templates nor resolves BaseURLs, finds ContentProtection data only under a literal ``cenc:``
prefix, and hands any text without ``<MPD`` to ``urlopen()``/``open()``. What is left of its
value is the element tree, which ElementTree gives us namespace-aware and without ever touching
the network or the disk (external entities are not resolved; expat ≥ 2.4 refuses
entity-expansion bombs). Attribute values all go through :mod:`convert`.
"""
from __future__ import annotations

from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element

from .convert import (MP4_PROTECTION_SCHEME, NS_CENC, NS_DASHIF_CLEARKEY, NS_DASHIF_CPS, NS_XLINK, child, children, from_base64, local_name,
                      namespace, ns_attr, q, to_duration, to_frame_rate, to_int, to_kid)
from .dash_image import join_thumbnails, period_thumbnails
from .dash_props import join_video_sets, not_played
from .dash_segments import Context, addressing
from .errors import ManifestError, located
from .model import Period, Presentation, Protection, Rendition, Track, TrackKind
from .pssh import looks_like_pssh
from .uris import check_base, resolve

MAX_MPD_BYTES = 32 * 1024 * 1024
MAX_BASES = 16
_VIDEO = ("avc", "hev", "hvc", "vp8", "vp9", "vp09", "av01", "dvh", "dvav", "mp4v")
_AUDIO = ("mp4a", "ac-3", "ec-3", "ac-4", "opus", "flac", "mp3", "dtsc", "dtse", "mha", "vorbis")
_TEXT = ("stpp", "wvtt", "tx3g", "ttml", "webvtt")


def parse_dash(data: str | bytes, url: str) -> Presentation:
    """Every Period, AdaptationSet and Representation of an MPD, BaseURLs resolved against
    ``url`` and the document's BaseURLs, templates expanded. SegmentBase Representations come back
    with ``index`` set and no segments (the loader resolves them)."""
    check_base(url)
    root = _parse_xml(data, url)
    try:
        return _presentation(root, url)
    except ManifestError as exc:
        raise located(exc, source=url) from None
    except RecursionError:
        raise ManifestError("MPD nested too deeply", source=url) from None


def _web_page(url: str) -> ManifestError:
    """A web server's error or sign-in page answered with 200 where a manifest should be."""
    return ManifestError("the server sent a web page (HTML), not a manifest", source=url)


def _looks_like_html(data: str | bytes) -> bool:
    """Whether a document starts (after a BOM and blanks) as an HTML page: real error pages are seldom
    well-formed XML (``<meta charset>``, ``&nbsp;``), so this is read before any parse."""
    head = data[:64].decode("utf-8", "replace") if isinstance(data, bytes) else data[:64]
    return head.lstrip("\ufeff \t\r\n")[:15].lower().startswith(("<!doctype html", "<html"))


def _parse_xml(data: str | bytes, url: str) -> Element:
    if len(data) > MAX_MPD_BYTES:
        raise ManifestError("MPD larger than 32 MiB", source=url)
    if _looks_like_html(data):
        raise _web_page(url)
    parser = ET.XMLParser()
    try:
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise ManifestError(f"malformed MPD XML: {exc}", source=url, line=line) from None
    except (ValueError, LookupError, UnicodeError, RecursionError) as exc:
        raise ManifestError(f"malformed MPD XML: {exc}", source=url) from None
    if local_name(root.tag).lower() == "html":  # an XHTML page behind an XML prolog
        raise _web_page(url)
    if local_name(root.tag) != "MPD":
        raise ManifestError(f"root element is <{local_name(root.tag)}>, not <MPD>", source=url)
    return root


def _bases(parent: tuple[str, ...], el: Element, ns: str | None) -> tuple[str, ...]:
    """BaseURLs of ``el`` resolved against each parent base (§5.6.4); several BaseURLs are
    alternatives for the same content, so every combination is kept (bounded)."""
    found = [b.text.strip() for b in children(el, "BaseURL", ns) if b.text and b.text.strip()]
    if not found:
        return parent
    out = dict.fromkeys(resolve(p, ref) for ref in found for p in parent)
    return tuple(list(out)[:MAX_BASES])


def _presentation(root: Element, url: str) -> Presentation:
    ns = namespace(root.tag)
    is_live = (root.get("type") or "static").strip() == "dynamic"
    total = to_duration(root.get("mediaPresentationDuration"), name="mediaPresentationDuration")
    bases = _bases((url,), root, ns)
    raw_periods = [p for p in children(root, "Period", ns) if not _is_remote(p, ns)]
    periods: list[Period] = []
    starts: list[float | None] = []
    prev_end: float | None = 0.0
    for p in raw_periods:
        start = to_duration(p.get("start"), name="Period@start")
        if start is None:
            start = prev_end if prev_end is not None else None
        dur = to_duration(p.get("duration"), name="Period@duration")
        starts.append(start)
        prev_end = None if start is None or dur is None else start + dur
    for i, p in enumerate(raw_periods):
        start = starts[i] or 0.0
        dur = to_duration(p.get("duration"), name="Period@duration")
        if dur is None:
            nxt: float | None = starts[i + 1] if i + 1 < len(starts) else None
            if nxt is not None:
                dur = nxt - start
            elif total is not None:
                # mediaPresentationDuration counts from the first Period (§5.3.1.2 makes that 0;
                # MPDs cut from a live stream keep wall-clock Period starts, so measure from it).
                dur = total - (start - (starts[0] or 0.0))
        if dur is not None and dur < 0:
            raise ManifestError(f"Period {p.get('id') or i} has a negative duration")
        periods.append(_period(p, i, start, dur, bases, is_live, ns))
    if total is None and not is_live and periods and all(p.duration_s is not None for p in periods):
        total = sum(p.duration_s or 0.0 for p in periods)
    thumbs = join_thumbnails([period_thumbnails(el, start_s=p.start_s, duration_s=p.duration_s, bases=_bases(bases, el, ns),
                                                is_live=is_live, ns=ns) for el, p in zip(raw_periods, periods)])
    return Presentation(periods=tuple(periods), is_live=is_live, duration_s=total, source_url=url, thumbnails=thumbs)


def _is_remote(el: Element, ns: str | None) -> bool:
    """An xlink reference we do not resolve (§5.5): it would make the parser do I/O."""
    return ns_attr(el, "href", NS_XLINK) is not None and not len(el)


def _period(el: Element, index: int, start: float, duration: float | None, bases: tuple[str, ...],
            is_live: bool, ns: str | None) -> Period:
    pbases = _bases(bases, el, ns)
    tracks = []
    for aset in children(el, "AdaptationSet", ns):
        if _is_remote(aset, ns) or not_played(aset, ns):
            continue
        track = _track(el, aset, start, duration, pbases, is_live, ns)
        if track is not None:
            tracks.append(track)
    return Period(id=el.get("id") or str(index), start_s=start, duration_s=duration, tracks=tuple(join_video_sets(tracks)))


def _kind(aset: Element, reps: list[Element]) -> TrackKind | None:
    ctype = (aset.get("contentType") or "").lower()
    if ctype in ("video", "audio", "text"):
        return ctype  # type: ignore[return-value]
    if ctype:
        return None  # image (thumbnails) and others are not tracks we play
    for el in [aset, *reps]:
        mime = (el.get("mimeType") or "").lower()
        codecs = (el.get("codecs") or "").lower()
        if mime.startswith("video/"):
            return "video"
        if mime.startswith("audio/"):
            return "audio"
        if mime.startswith("text/") or mime == "application/ttml+xml" or codecs.startswith(_TEXT):
            return "text"
        if mime.startswith("image/"):
            return None
        if codecs.startswith(_VIDEO):
            return "video"
        if codecs.startswith(_AUDIO):
            return "audio"
    return None


def _protection(elements: list[Element], ns: str | None, base: str) -> Protection | None:
    """ContentProtection (§5.8.4.1, ISO/IEC 23001-7 §11.2): the scheme from the mp4protection
    descriptor, ``default_KID`` and ``pssh`` read in the ``urn:mpeg:cenc:2013`` namespace under
    whatever prefix the document bound to it. A malformed ``default_KID`` is an error (it is what
    a licence is requested for); ``pssh`` content that is not a whole pssh box is skipped (other
    systems put their own formats there, and the init segment carries the boxes anyway)."""
    if not elements:
        return None
    scheme = None
    kid = None
    license_url = None
    psshs: list[bytes] = []
    for cp in elements:
        license_url = license_url or _laurl(cp, base)
        if (cp.get("schemeIdUri") or "").strip().lower() == MP4_PROTECTION_SCHEME:
            scheme = (cp.get("value") or "cenc").strip().lower() or "cenc"
        kid = kid or to_kid(ns_attr(cp, "default_KID", NS_CENC))
        for box_el in cp.iter(q("pssh", NS_CENC)):
            if box_el.text and box_el.text.strip():
                try:
                    box = from_base64(box_el.text, name="cenc:pssh")
                except ManifestError:
                    continue  # advisory data of some DRM system; default_KID is what we rely on
                if looks_like_pssh(box) and box not in psshs:
                    psshs.append(box)
    return Protection(scheme=scheme or "cenc", default_kid=kid, pssh=tuple(psshs), license_url=license_url)


def _laurl(cp: Element, base: str) -> str | None:
    """The W3C ClearKey licence server a ContentProtection names: ``dashif:laurl`` (DASH-IF IOP
    §7.7.4.2) or the older ``clearkey:Laurl`` (DASH-IF ClearKey guidelines), resolved against the BaseURL."""
    for ns in (NS_DASHIF_CPS, NS_DASHIF_CLEARKEY):
        for local in ("laurl", "Laurl"):
            el = cp.find(q(local, ns))
            if el is not None and el.text and el.text.strip():
                return resolve(base, el.text.strip())
    return None


def _track(period: Element, aset: Element, start: float, duration: float | None, bases: tuple[str, ...],
           is_live: bool, ns: str | None) -> Track | None:
    reps = [r for r in children(aset, "Representation", ns) if not _is_remote(r, ns) and not not_played(r, ns)]
    kind = _kind(aset, reps)
    if kind is None or not reps:
        return None
    abases = _bases(bases, aset, ns)
    aset_cp = children(aset, "ContentProtection", ns)
    renditions = []
    for i, rep in enumerate(reps):
        rid = rep.get("id") or f"{aset.get('id') or 'a'}-{i}"
        bandwidth = to_int(rep.get("bandwidth"), name="bandwidth", default=0) or 0
        prot = _protection(aset_cp + children(rep, "ContentProtection", ns), ns, (_bases(abases, rep, ns) or ("",))[0])

        def attr(name: str, rep: Element = rep) -> str | None:  # inherited from the AdaptationSet
            return rep.get(name) if rep.get(name) is not None else aset.get(name)

        ctx = Context(bases=_bases(abases, rep, ns), rep_id=rid, bandwidth=bandwidth, period_start_s=start,
                      period_duration_s=duration, is_live=is_live, protection=prot, ns=ns)
        addr = addressing([period, aset, rep], ctx)
        renditions.append(Rendition(
            id=rid, bandwidth=bandwidth, codecs=attr("codecs"),
            width=to_int(attr("width"), name="width"), height=to_int(attr("height"), name="height"),
            frame_rate=to_frame_rate(attr("frameRate")), mime_type=attr("mimeType"),
            init=addr.init, segments=addr.segments, protection=prot, index=addr.index, group_id=aset.get("id")))
    label_el = child(aset, "Label", ns)
    roles = tuple(r.get("value") or "" for r in children(aset, "Role", ns))
    return Track(kind=kind, language=aset.get("lang"), label=(label_el.text or "").strip() if label_el is not None else None,
                 renditions=tuple(renditions), roles=roles, default="main" in roles)

"""Fetching a whole presentation through a caller-supplied ``fetch`` (the CDN pool), then parsing.

This is the only module of the package that does I/O, and it does it only through ``fetch``:
the parsers stay pure and the pool owns retries, health and failover. What needs fetching:
- the master playlist / MPD;
- for HLS every media playlist (variants, redundant copies, audio and subtitle groups),
  concurrently (RFC 8216 §6.3.1: a client loads the media playlists it will play);
- for DASH SegmentBase Representations the ``indexRange`` bytes (``sidx``), concurrently.
Errors from ``fetch`` propagate unchanged (the pool raises :class:`player.errors.FetchError`),
except for redundant copies: a copy that cannot be fetched is simply not an alternative.

Bounded (issue 16): each load counts segments against one budget (``limits.py``, equal for HLS and
DASH), fetches at most :data:`PLAYLIST_CONCURRENCY` media playlists at once and stops fetching them
past :data:`MAX_PLAYLIST_BYTES` in all; the size and time of each fetch is the pool's to bound.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Literal, Protocol

from .dash import parse_dash
from .errors import InconsistentEditions, ManifestError, located
from .hls import presentation_from_master, presentation_from_media
from .hls_image import load_hls_thumbnails
from .hls_playlist import MasterPlaylist, MediaPlaylist, decode, is_master, parse_master, parse_media, split_lines
from .limits import segment_budget
from .merge import merge_presentations
from .model import ByteRange, Presentation, Rendition, base_url
from .sidx import resolve_segment_base
from .uris import check_base


class Fetch(Protocol):
    """``await fetch(url)`` → whole body; ``await fetch(url, ByteRange(start, length))`` → those bytes."""

    def __call__(self, url: str, byte_range: ByteRange | None = None) -> Awaitable[bytes]: ...


def detect_format(data: bytes | str, url: str) -> Literal["hls", "dash"]:
    """HLS starts with ``#EXTM3U`` (RFC 8216 §4.3.1.1); an MPD is XML. The URL extension decides
    only when the content is ambiguous."""
    head = data[:512]
    text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
    text = text.lstrip("\ufeff \t\r\n")
    if text.startswith("#EXTM3U"):
        return "hls"
    if text.startswith("<"):
        return "dash"
    path = url.split("?", 1)[0].lower()
    if path.endswith((".m3u8", ".m3u")):
        return "hls"
    if path.endswith(".mpd"):
        return "dash"
    raise ManifestError("neither an HLS playlist nor a DASH MPD", source=url)


def parse_presentation(data: bytes | str, url: str) -> Presentation:
    """One manifest on its own, without fetching anything (HLS masters come back without segments,
    SegmentBase renditions with ``index`` set)."""
    if detect_format(data, url) == "hls":
        from .hls import parse_hls
        return parse_hls(data, url)
    return parse_dash(data, url)


PLAYLIST_CONCURRENCY = 4
MAX_PLAYLIST_BYTES = 64 * 1024 * 1024  # all media playlists of one master together


async def load_presentation(url: str, fetch: Fetch | Callable[..., Awaitable[bytes]]) -> Presentation:
    """The complete presentation behind ``url``: every segment index filled in."""
    with segment_budget():
        return await _load(url, fetch)


def _bounded(fetch: Fetch | Callable[..., Awaitable[bytes]]) -> Callable[[str], Awaitable[bytes]]:
    """``fetch`` for media playlists: a few at a time, and none once their bytes pass the total."""
    slots = asyncio.Semaphore(PLAYLIST_CONCURRENCY)
    total = [0]

    async def get(u: str) -> bytes:
        async with slots:
            if total[0] > MAX_PLAYLIST_BYTES:
                raise ManifestError(f"media playlists over {MAX_PLAYLIST_BYTES} bytes in all", source=u)
            data = await fetch(u)
            total[0] += len(data)
            return data
    return get


async def _load(url: str, fetch: Fetch | Callable[..., Awaitable[bytes]]) -> Presentation:
    check_base(url)
    data = await fetch(url)
    url = base_url(data, url)
    if detect_format(data, url) == "dash":
        return await resolve_indexes(parse_dash(data, url), fetch)
    lines = split_lines(decode(data, url), url)
    try:
        master_kind = is_master(lines)
    except ManifestError as exc:
        raise located(exc, source=url) from None
    if not master_kind:
        return presentation_from_media(parse_media(data, url))
    master = parse_master(data, url)
    urls = master.playlist_urls()
    get = _bounded(fetch)
    results, thumbnails = await asyncio.gather(  # the image playlist beside the media playlists; never fatal
        asyncio.gather(*(get(u) for u in urls), return_exceptions=True), load_hls_thumbnails(data, url, get))
    media: dict[str, MediaPlaylist] = {}
    failures: dict[str, BaseException] = {}
    for u, result in zip(urls, results):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result
            failures[u] = result
        else:
            media[u] = parse_media(result, base_url(result, u), variables=master.variables)
    playable, unavailable = _drop_lost_variants(master, media, failures)
    return replace(presentation_from_master(playable, media), thumbnails=thumbnails, unavailable=unavailable)


def _drop_lost_variants(master: MasterPlaylist, media: dict[str, MediaPlaylist],
                        failures: dict[str, BaseException]) -> tuple[MasterPlaylist, tuple[str, ...]]:
    """The master without the variants none of whose copies loaded, and a phrase for each one dropped.

    A variant whose playlist no CDN serves is a fault to report, not a reason to refuse the title:
    plain libmpv plays the other variants, and so do we (the session lists what was lost and ends a
    headless run with exit 1). Without any variant left, or without an audio/subtitle rendition's
    playlist (a track would be lost from the start), the first failure is raised.
    """
    groups: dict[tuple[object, ...], list[str]] = {}
    for v in master.variants:
        groups.setdefault((v.bandwidth, v.width, v.height, v.codecs, v.audio, v.subtitles), []).append(v.uri)
    lost = [copies for copies in groups.values() if not any(u in media for u in copies)]
    if lost and len(lost) == len(groups):
        raise failures[lost[0][0]]
    for m in master.media:
        if m.uri and m.type in ("AUDIO", "SUBTITLES") and m.uri not in media:
            raise failures[m.uri]
    gone = {u for copies in lost for u in copies}
    phrases = tuple(f"variant {copies[0]} unavailable ({failures[copies[0]]})" for copies in lost)
    return replace(master, variants=tuple(v for v in master.variants if v.uri not in gone)), phrases


async def _fetch_index(rendition: Rendition, fetch: Fetch | Callable[..., Awaitable[bytes]]) -> Rendition:
    index = rendition.index
    assert index is not None
    error: Exception | None = None
    for url in index.urls:  # alternatives for the same bytes: try the next on failure
        try:
            data = await fetch(url, index.byte_range)
        except Exception as exc:  # noqa: BLE001 - re-raised below if no alternative works
            error = exc
            continue
        return resolve_segment_base(rendition, data)
    assert error is not None
    raise error


async def resolve_indexes(presentation: Presentation, fetch: Fetch | Callable[..., Awaitable[bytes]]) -> Presentation:
    """Every SegmentBase rendition with its ``sidx`` fetched and read (ISO/IEC 23009-1 §5.3.9.2)."""
    pending = [r for r in presentation.renditions() if r.index is not None]
    if not pending:
        return presentation
    resolved = await asyncio.gather(*(_fetch_index(r, fetch) for r in pending))
    by_identity = {id(old): new for old, new in zip(pending, resolved)}
    return replace(presentation, periods=tuple(
        replace(p, tracks=tuple(
            replace(t, renditions=tuple(by_identity.get(id(r), r) for r in t.renditions)) for t in p.tracks))
        for p in presentation.periods))


async def load_presentation_multi(urls: Sequence[str], fetch: Fetch | Callable[..., Awaitable[bytes]]) -> Presentation:
    """The same title from several edges (the backend's one-manifest-per-edge list) as one model
    whose every ``SegmentRef.urls`` lists each edge's URL, in the order of ``urls``.

    Edges that fail to load, or whose manifest does not line up with the first good one, are left
    out; if none loads, the first edge's error is raised."""
    if not urls:
        raise ManifestError("no manifest URL given")
    results = await asyncio.gather(*(load_presentation(u, fetch) for u in urls), return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException) and not isinstance(r, Exception):
            raise r  # cancellation is not an edge failure
    good = [r for r in results if isinstance(r, Presentation)]
    if not good:
        first = results[0]
        assert isinstance(first, BaseException)
        raise first
    merged = good[0]
    for other in good[1:]:
        try:
            merged = merge_presentations([merged, other])
        except InconsistentEditions:
            continue
    return merged

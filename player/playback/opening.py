"""Opening a session: manifests over the CDN pool, the licence in parallel (DESIGN.md data flow).

The result is one :class:`Opened` value, complete when it exists — so the rest of the session never
meets a half-opened state. An offline session (a sealed local source and its presentation, from
``downloads``) is opened without any request.
"""
from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from drm_client import KeyRing, acquire_keys
from player.backend import BackendClient, PlaybackInfo
from player.errors import PlaybackError
from player.init_cache import InitCache
from player.completeness import Part, timeline_parts
from player.manifest import Presentation, load_presentation_multi
from player.manifest.periods import StandIn, StreamPart, audio_stand_ins, declared_families, single_timeline, stream_parts
from player.outside_keys import manifest_licence_url, ring_from_options
from player.net import CdnPool, HttpTransport, RequestKind, RequestLog, RequestRecord, redact
from player.net.clock import Clock
from player.net.cmcd import content_id
from player.playback.keys import Keys
from player.playback.options import SessionOptions
from player.qoe import QoeTracker
from player.segment_keys import init_kids
from player.source import CdnSource, SegmentSource
from player.track_choice import audio_to_play


@dataclass(frozen=True, kw_only=True)
class Opened:
    """What playing needs: the presentation, where its bytes come from, its keys, the request log."""

    presentation: Presentation
    source: SegmentSource
    keys: Keys
    requests: RequestLog  # every request of the session (empty offline)
    failovers: Callable[[], int]  # CDN failovers of every request, manifests included
    inits: InitCache = field(default_factory=InitCache)  # shared by the licence path and every scheduler run
    parts: tuple[Part, ...] = ()  # the Periods / discontinuity parts, to name what a short play lost
    streams: tuple[StreamPart, ...] = ()  # Periods grouped by what one libmpv stream can carry (codecs, tracks)
    codecs: frozenset[str] = frozenset()  # codec families the manifest's CODECS name, every Period's (none: unknown)
    stand_ins: tuple[StandIn, ...] = ()  # Periods where the audio chosen plays in another language (none offline)
    closers: tuple[Callable[[], Awaitable[None]], ...] = field(default=(), repr=False)

    async def aclose(self) -> None:
        await self.keys.aclose()
        for close in self.closers:
            await close()


def opened_offline(presentation: Presentation, source: SegmentSource, keys: KeyRing | None) -> Opened:
    """A download played from the sealed store: no network, keys from the offline licence."""
    return Opened(presentation=presentation, source=source, keys=Keys() if keys is None else Keys.ready(keys),
                  requests=RequestLog(), failovers=lambda: 0)


async def ask_grant(backend: BackendClient, target: str, options: SessionOptions) -> tuple[PlaybackInfo, tuple[str, ...]]:
    """The backend's playback session for a catalog title, and the manifest URLs to open (one per edge)."""
    playback = await backend.open_playback(target, fmt=options.fmt, device_id=options.device_id)
    if playback.dash_ll and options.fmt == "dash" and options.low_latency is not False:
        return playback, tuple(playback.dash_ll)  # a live title: chunked LL-DASH unless asked not to
    return playback, tuple(playback.manifests)


async def open_online(
    *, target: str, manifest_urls: Sequence[str], options: SessionOptions, clock: Clock,
    tls: Awaitable[ssl.SSLContext], playback: PlaybackInfo | None, backend: BackendClient | None, qoe: QoeTracker,
) -> tuple[Opened, CdnPool]:
    """Load the manifests over a new CDN pool and start the licence exchange; returns the pool too (QA, tests)."""
    if not manifest_urls:
        raise PlaybackError("nothing to play: no manifest URL")
    transport = HttpTransport(clock=clock, tls=await tls)
    wrapped = options.wrap_transport(transport, clock) if options.wrap_transport else transport
    pool = CdnPool(
        manifest_urls, wrapped, clock, force_cdn=options.force_cdn,
        session_id=playback.session_id if playback else None, content_id=content_id(target), cmcd_mode=options.cmcd,
    )
    closers = (pool.aclose, transport.aclose)
    try:
        loaded = await load_presentation_multi(list(manifest_urls), pool.fetch)
    except BaseException:
        for close in closers:
            await close()
        raise
    presentation = single_timeline(loaded)  # every Period, in order (player.manifest.periods)
    source = CdnSource(pool)
    inits = InitCache()
    keys = Keys()
    if backend is not None and playback is not None and playback.protected and playback.license_url:
        kids = list(playback.kids) or list(presentation.default_kids())
        exchange = partial(acquire_keys, playback.license_url, kids, token=backend.access_token,
                           session_id=playback.session_id, client=backend.http)
        keys = Keys(_licence(playback.license_url, exchange, pool.log, clock, qoe))
    elif options.keys:
        keys = Keys.ready(ring_from_options(options.keys))
    elif presentation.default_kids() or options.license_url:  # outside protected content: --license-url, or the manifest's server
        keys = Keys(_outside_licence(presentation, options, source, inits, pool.log, clock, qoe))
    return Opened(presentation=presentation, source=source, keys=keys, requests=pool.log, inits=inits,
                  failovers=lambda: pool.failovers, parts=timeline_parts(loaded),
                  streams=() if loaded.is_live else stream_parts(loaded), codecs=declared_families(loaded),
                  stand_ins=audio_stand_ins(loaded, audio_to_play(presentation.audio_choices(), options.audio_language)),
                  closers=closers), pool


async def _outside_licence(presentation: Presentation, options: SessionOptions, source: SegmentSource,
                           inits: InitCache, log: RequestLog, clock: Clock, qoe: QoeTracker) -> KeyRing:
    """Keys for a protected URL from ``--license-url`` or the W3C ClearKey server the manifest names."""
    url = options.license_url or manifest_licence_url(presentation)
    if url is None:
        raise PlaybackError("this stream is protected and names no licence server: give --key KID:KEY "
                            "or --license-url URL")
    kids = presentation.default_kids() or await init_kids(presentation, source, inits)  # Shaka's HLS: in the inits
    if not kids:
        raise PlaybackError("--license-url: neither the manifest nor its init segments name a key ID to ask the "
                            "licence server for: give --key KID:KEY")
    return await _licence(url, partial(acquire_keys, url, kids, token=None, session_id="reelbox"), log, clock, qoe)


async def _licence(url: str, exchange: Callable[[], Awaitable[KeyRing | None]], log: RequestLog, clock: Clock,
                   qoe: QoeTracker) -> KeyRing:
    """A licence exchange, logged as a row of the request log (QA, issue 9): CDN -1, outside the pool."""
    started = clock.now()
    error: Exception | None = None
    try:
        ring = await exchange()
        if ring is None:
            raise PlaybackError("the licence server gave no keys")
    except Exception as exc:
        error = exc
        raise
    finally:
        log.add(RequestRecord(
            kind=RequestKind.LICENCE, cdn=-1, url=redact(url),
            status=getattr(error, "status", None) if error else 200, bytes=0, ttfb_s=None,
            duration_s=clock.now() - started, retries=0, at_s=started,
            error=None if error is None else f"{type(error).__name__}: {error}",
        ))
    if ring.license_ms is not None:
        qoe.license_acquired(ring.license_ms / 1000.0)
    return ring

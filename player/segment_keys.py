"""Key material for one segment: a CENC key from the session's key ring, or an HLS AES-128 key and IV.

Why per segment: HLS may change EXT-X-KEY anywhere (key rotation, or ``METHOD=NONE`` for a clear run between
keyed ones), so the effective protection is the segment's (``SegmentRef.protection``; None is clear, never the
rendition's first key). AES-128 keys
(RFC 8216 §5.2) are fetched once per key URI through the caller's fetch — the CDN pool, so the
same URI policy and failover apply — or read from a ``data:`` URI; the IV is the tag's, else the
media sequence number. Keys stay in memory (this object and the ring); messages name URIs, never keys.

A CENC key is the ring's key for the KID the manifest names (DASH ``cenc:default_KID``, HLS ``KEYID``),
else the KID the init segment's ``tenc`` names: Shaka Packager's HLS writes ``KEYFORMAT="identity"`` with
the KID in a ``data:`` URI and no ``KEYID`` ("the player needs to have the key"), and with an SD, an HD
and an audio key the first key of the ring is the wrong one for two tracks of three. For the same reason a
licence request for such a stream names the KIDs of the protected renditions' inits (:func:`init_kids`), as a
browser's EME request carries the init data of the segments it met.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from functools import partial

from drm_client import KeyRing
from player.errors import PlaybackError
from player.feed.errors import DecryptionFailed, EncryptionSchemeUnsupported, KeyRequired
from player.feed.isobmff import track_protection
from player.feed.media_input import SAMPLE_AES_TS, Aes128Key, looks_mpegts
from player.init_cache import InitCache, init_key
from player.manifest import Presentation, Rendition, SegmentRef
from player.manifest.hls_keys import IDENTITY
from player.manifest.uris import data_uri_bytes
from player.source import SegmentSource

CENC_SCHEMES = ("cenc", "cens", "cbcs")  # keys from the ring (--key, licence); cens is then named by the feed


class SegmentKeys:
    """Resolves and caches the keys segments need; ``clear()`` forgets the AES-128 keys."""

    def __init__(self, *, ring: Callable[[], Awaitable[KeyRing]] | None,
                 fetch_key: Callable[[str], Awaitable[bytes]]) -> None:
        self._get_ring = ring  # asked only when a CENC segment needs a key
        self._ring: KeyRing | None = None
        self._fetch_key = fetch_key
        self._aes: dict[str, bytes] = {}
        self._init_kids: dict[bytes, bytes | None] = {}  # by init bytes: one tenc parse per init, not per segment

    async def for_segment(self, ref: SegmentRef, init: bytes = b"") -> tuple[bytes | None, Aes128Key | None]:
        """(CENC key, AES-128 key and IV) for ``ref`` (``init``: its rendition's init segment); both None for a
        clear segment."""
        protection = ref.protection
        if protection is None:
            return None, None
        if protection.scheme == "aes-128":
            if not protection.key_uri:
                raise KeyRequired(f"AES-128 segment {ref.number} names no key URI")
            iv = protection.iv_for(ref)
            assert iv is not None  # AES-128 always has one (explicit, or the media sequence number)
            return None, Aes128Key(key=await self._aes_key(protection.key_uri), iv=iv)
        if protection.scheme not in CENC_SCHEMES:
            return None, None  # other schemes: the feed names them when the init segment says so
        if (not init or looks_mpegts(init)) and protection.key_format is not None:  # HLS on TS: Apple's SAMPLE-AES
            return None, await self._sample_aes(ref)
        if self._ring is None:
            if self._get_ring is None:
                raise PlaybackError("this title is protected but no key was given: use --key KID:KEY or "
                                    "--license-url URL (or a backend licence)")
            self._ring = await self._get_ring()
        kid = protection.default_kid or self._init_kid(init) or next(iter(self._ring.kids), None)
        if kid is None:
            raise PlaybackError("the licence holds no key")
        return self._ring.key_for(kid), None

    async def _sample_aes(self, ref: SegmentRef) -> Aes128Key:
        """Apple's SAMPLE-AES on TS or packed audio: the key its ``identity`` URI serves (fetched like an AES-128
        one), the IV the tag's or the media sequence number (RFC 8216 §5.2); the feed decrypts each sample."""
        protection = ref.protection
        assert protection is not None
        if protection.key_format != IDENTITY or not protection.key_uri:
            raise EncryptionSchemeUnsupported(f"{SAMPLE_AES_TS} (this key's format is {protection.key_format!r})")
        iv = protection.iv or ref.number.to_bytes(16, "big")
        return Aes128Key(key=await self._identity_key(protection.key_uri, protection.default_kid), iv=iv, per_sample=True)

    async def _identity_key(self, uri: str, kid: bytes | None) -> bytes:
        """The key an ``identity`` URI stands for. Shaka Packager's HLS without ``--hls_key_uri`` puts the KID in a
        ``data:`` URI ("the player needs to have the key"): when the ring (``--key``, a licence) holds those 16 bytes,
        or the tag's KEYID, as a KID, its key is the one; otherwise the URI's bytes are the key itself."""
        named = data_uri_bytes(uri) if uri.lower().startswith("data:") else None
        if named is not None and self._get_ring is not None:
            with contextlib.suppress(PlaybackError):  # no --key and no licence: the URI's bytes are all there is
                self._ring = self._ring or await self._get_ring()
            for candidate in (kid, named):
                if self._ring is not None and candidate is not None and candidate in self._ring.kids:
                    return self._ring.key_for(candidate)
        return await self._aes_key(uri)

    async def _aes_key(self, uri: str) -> bytes:
        key = self._aes.get(uri)
        if key is None:
            key = data_uri_bytes(uri) if uri.lower().startswith("data:") else await self._fetch_key(uri)
            if len(key) != 16:
                raise DecryptionFailed(f"the AES-128 key at {uri.split('?', 1)[0]} has {len(key)} bytes, not 16")
            self._aes[uri] = key
        return key

    def _init_kid(self, init: bytes) -> bytes | None:
        """The init's ``tenc`` KID, parsed once per init: the same init bytes object comes with every segment
        (the feed's init cache), so its hash is computed once and the lookup costs no parse."""
        if init not in self._init_kids:
            self._init_kids[init] = init_kid(init)
        return self._init_kids[init]

    def clear(self) -> None:
        self._aes.clear()


def init_kid(init: bytes) -> bytes | None:
    """The default KID of the init segment's ``tenc``, or None (no init, clear, or an all-zero KID)."""
    found = track_protection(init) if init else None
    return found.default_kid if found is not None and any(found.default_kid) else None


async def init_kids(presentation: Presentation, source: SegmentSource, cache: InitCache) -> tuple[bytes, ...]:
    """The distinct KIDs the init segments of the CENC-protected renditions name, in document order: what a
    licence request asks for when the manifest names none (Shaka's HLS). Each distinct init is fetched once per
    play: through ``cache``, which the play's scheduler shares (it needs the same inits at the same moment)."""
    inits: dict[str, tuple[str, Rendition, SegmentRef]] = {}
    for period in presentation.periods:
        for track in period.tracks:
            for rendition in track.renditions:
                first = rendition.segments[0] if rendition.segments else None
                protection = (first.protection if first else None) or rendition.protection
                ref = (first.init if first else None) or rendition.init
                if protection is not None and protection.scheme in CENC_SCHEMES and ref is not None and ref.urls:
                    where = ref.urls[0] + (ref.byte_range.header() if ref.byte_range else "")
                    inits.setdefault(where, (track.kind, rendition, ref))

    async def body(kind: str, rendition: Rendition, ref: SegmentRef) -> bytes:
        return (await source.fetch(rendition, ref, kind=kind, is_init=True)).body

    bodies = await asyncio.gather(*(cache.get(init_key(kind, ref), partial(body, kind, rendition, ref))
                                    for kind, rendition, ref in inits.values()))
    kids = (init_kid(init) for init in bodies)
    return tuple(dict.fromkeys(kid for kid in kids if kid is not None))

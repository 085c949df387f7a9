"""Content keys for outside content: ``--key KID:KEY``, ``--license-url URL``, or the licence URL in the manifest.

Why: a QA engineer points Reelbox at *their* CDN, where no backend grants a licence. The keys come
either straight from the command line (W3C ClearKey's KID → key pairs, EME §9.1.3) or from a W3C
ClearKey licence server — named on the command line, or by the manifest itself (``dashif:laurl`` /
``clearkey:Laurl`` in DASH, ``KEYFORMAT="org.w3.clearkey"`` in HLS; see :mod:`player.manifest`).
Keys are held in a :class:`~drm_client.KeyRing` (memory only, zeroed at the end); they are never
logged, and messages name KIDs only. A malformed ``--key`` is :class:`BadKeyOption` at once; a key
that does not decrypt the content is the feed's ``DecryptionFailed`` on the first segment, before
any byte reaches libmpv.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from drm_client import KeyRing
from player.errors import PlayerError
from player.manifest import Presentation

KEY_BYTES = 16


class BadKeyOption(PlayerError):
    """A ``--key`` value that is not ``KID:KEY`` with a 16-byte KID (hex or UUID) and a 16-byte hex key."""


def parse_key_option(text: str) -> tuple[bytes, bytes]:
    """``KID:KEY`` → (kid, key). The KID may be 32 hex digits or a UUID; the key 32 hex digits."""
    kid_text, sep, key_text = text.strip().rpartition(":")
    if not sep:
        raise BadKeyOption("--key takes KID:KEY (32 hex digits each)")
    try:
        kid = uuid.UUID(kid_text).bytes
    except ValueError:
        raise BadKeyOption("--key: the part before the last ':' (the KID) is not 32 hex digits or a UUID") from None
    try:
        key = bytes.fromhex(key_text)
    except ValueError:
        raise BadKeyOption(f"--key for KID {kid.hex()}: the key is not hexadecimal") from None
    if len(key) != KEY_BYTES:
        raise BadKeyOption(f"--key for KID {kid.hex()}: a content key has 16 bytes (32 hex digits), this one {len(key)}")
    return kid, key


def ring_from_options(values: Sequence[str]) -> KeyRing:
    """Every ``--key`` value in one ring (the last one wins for a KID given twice)."""
    return KeyRing(dict(parse_key_option(v) for v in values))


def manifest_licence_url(presentation: Presentation) -> str | None:
    """The first W3C ClearKey licence server the manifest names, if any."""
    for rendition in presentation.renditions():
        for protection in (rendition.protection, *(s.protection for s in rendition.segments[:1])):
            if protection is not None and protection.license_url:
                return protection.license_url
    return None


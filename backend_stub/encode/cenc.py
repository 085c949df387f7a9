"""Content keys and the ClearKey signalling our manifests carry (ISO/IEC 23001-7 CENC, W3C EME ClearKey).

The packager writes the ``pssh`` box (version 1, SystemID 1077efec-c0b2-4d02-ace3-3c1e52e2fb4b, the KID)
into each init segment and the MPD ContentProtection. For HLS, the contract (layout.md) wants the
ClearKey PSSH as the key URI, which Shaka does not write for raw keys (it emits ``KEYFORMAT="identity"``);
:func:`patch_media_playlist` swaps that line for ours.
"""
from __future__ import annotations

import base64
import os
import re
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass

CLEARKEY_SYSTEM_ID = uuid.UUID("1077efec-c0b2-4d02-ace3-3c1e52e2fb4b")
CLEARKEY_URN = f"urn:uuid:{CLEARKEY_SYSTEM_ID}"


@dataclass(frozen=True, kw_only=True)
class ContentKey:
    """One title's CENC key pair (16-byte KID and key). The key stays in ``content_keys``; never log it."""

    kid: bytes
    key: bytes

    def __post_init__(self) -> None:
        if len(self.kid) != 16 or len(self.key) != 16:
            raise ValueError("KID and key must be 16 bytes")

    def __repr__(self) -> str:  # keep the key out of logs and tracebacks
        return f"ContentKey(kid={self.kid.hex()}, key=<redacted>)"

    @property
    def kid_hex(self) -> str:
        return self.kid.hex()

    @property
    def key_hex(self) -> str:
        return self.key.hex()


def new_content_key(random_bytes: Callable[[int], bytes] = os.urandom) -> ContentKey:
    """A fresh random KID and key (random source injectable for reproducible tests)."""
    return ContentKey(kid=random_bytes(16), key=random_bytes(16))


def clearkey_pssh(kid: bytes) -> bytes:
    """The W3C ClearKey ``pssh`` box: full box version 1 with one KID and empty data (EME ClearKey §9.1.2)."""
    body = struct.pack(">B3s", 1, b"\0\0\0") + CLEARKEY_SYSTEM_ID.bytes + struct.pack(">I", 1) + kid
    body += struct.pack(">I", 0)
    return struct.pack(">I4s", 8 + len(body), b"pssh") + body


def hls_key_line(kid: bytes) -> str:
    """``#EXT-X-KEY`` for SAMPLE-AES-CTR (CENC 'cenc' scheme) with the ClearKey PSSH as a data URI."""
    pssh = base64.b64encode(clearkey_pssh(kid)).decode()
    return (
        f'#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="{CLEARKEY_URN}",KEYFORMATVERSIONS="1",'
        f'URI="data:text/plain;base64,{pssh}",KEYID=0x{kid.hex()}'
    )


_KEY_LINE = re.compile(r"^#EXT-X-KEY:.*$", re.MULTILINE)


def patch_media_playlist(text: str, kid: bytes) -> str:
    """Replace every ``#EXT-X-KEY`` line of an HLS media playlist with the contract's ClearKey line."""
    return _KEY_LINE.sub(hls_key_line(kid), text)

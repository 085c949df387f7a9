"""Reading ``pssh`` boxes (ISO/IEC 23001-7 §8.1.1) in manifests: enough to find the KIDs a licence request needs.

The box is parsed by ``drm_client.clearkey.parse_pssh`` (one parser for the client). Here a malformed box
yields no KIDs rather than an error: the PSSH is advisory and the ``default_KID`` is authoritative
(ISO/IEC 23009-1 §5.8.5.2).
"""
from __future__ import annotations

import struct

from drm_client.clearkey import parse_pssh
from drm_client.errors import MalformedPssh


def looks_like_pssh(box: bytes) -> bool:
    """A whole box whose type is ``pssh`` and whose size field matches its length."""
    return len(box) >= 32 and box[4:8] == b"pssh" and struct.unpack(">I", box[:4])[0] == len(box)


def kids_of_pssh(box: bytes) -> tuple[bytes, ...]:
    """The KIDs listed in a version-1 ``pssh`` box (empty for v0 or malformed boxes)."""
    if not looks_like_pssh(box):
        return ()
    try:
        return parse_pssh(box).kids
    except MalformedPssh:
        return ()

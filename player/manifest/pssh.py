"""Reading ``pssh`` boxes (ISO/IEC 23001-7 §8.1.1): enough to find the KIDs a licence request needs.

``pssh`` = size(4) 'pssh' version(1) flags(3) SystemID(16) [KID_count(4) KIDs(16 each) if v>0]
DataSize(4) Data. Malformed boxes yield no KIDs rather than an error: the PSSH is advisory and
the ``default_KID`` is authoritative (ISO/IEC 23009-1 §5.8.5.2).
"""
from __future__ import annotations

import struct
import uuid

CLEARKEY_SYSTEM_ID = uuid.UUID("1077efec-c0b2-4d02-ace3-3c1e52e2fb4b").bytes


def looks_like_pssh(box: bytes) -> bool:
    """A whole box whose type is ``pssh`` and whose size field matches its length."""
    return len(box) >= 32 and box[4:8] == b"pssh" and struct.unpack(">I", box[:4])[0] == len(box)


def system_id(box: bytes) -> bytes | None:
    return box[12:28] if looks_like_pssh(box) else None


def kids_of_pssh(box: bytes) -> tuple[bytes, ...]:
    """The KIDs listed in a version-1 ``pssh`` box (empty for v0 or malformed boxes)."""
    if not looks_like_pssh(box) or box[8] < 1 or len(box) < 32:
        return ()
    count = struct.unpack(">I", box[28:32])[0]
    end = 32 + 16 * count
    if count > 1024 or end > len(box):
        return ()
    return tuple(box[32 + 16 * i: 48 + 16 * i] for i in range(count))


def build_pssh(system: bytes, kids: tuple[bytes, ...] = (), data: bytes = b"") -> bytes:
    """A ``pssh`` box (version 1 when KIDs are given) — used by tests and builders."""
    version = 1 if kids else 0
    body = bytes([version, 0, 0, 0]) + system
    if version:
        body += struct.pack(">I", len(kids)) + b"".join(kids)
    body += struct.pack(">I", len(data)) + data
    return struct.pack(">I", 8 + len(body)) + b"pssh" + body

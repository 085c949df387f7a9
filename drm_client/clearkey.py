"""W3C EME ClearKey, pure: licence request/response JSON, PSSH boxes, KID spellings. No I/O.

References:
- W3C Encrypted Media Extensions, §9.1 "Clear Key": the licence request is
  ``{"kids": [b64url...], "type": ...}`` and the response a JSON Web Key Set
  ``{"keys": [{"kty": "oct", "k": b64url, "kid": b64url}], "type": ...}``; base64url
  *without padding* (RFC 7515 §2 / RFC 4648 §5).
- W3C "Common PSSH box format" (EME initData registry, ``cenc``): SystemID
  ``1077efec-c0b2-4d02-ace3-3c1e52e2fb4b``, version 1 carrying the KIDs (ISO/IEC 23001-7 §8.1).

Keys are 16 bytes (AES-128, ISO/IEC 23001-7 ``cenc``) and so are KIDs. We accept only keys for
KIDs we asked for: a licence that hands out other keys is malformed, not a bonus.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from drm_client.errors import MalformedLicense, MalformedPssh

CLEARKEY_SYSTEM_ID = uuid.UUID("1077efec-c0b2-4d02-ace3-3c1e52e2fb4b")
"""W3C ClearKey / Common system id (the same UUID serves both, per the EME initData registry)."""

KID_SIZE = 16
KEY_SIZE = 16

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


# --- base64url ------------------------------------------------------------------------------

def b64url_encode(data: bytes) -> str:
    """base64url without padding, as EME ClearKey requires."""
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode("ascii")


def b64url_decode(text: object) -> bytes:
    """Strict base64url decoding: only the URL-safe alphabet; padding optional (EME omits it)."""
    if not isinstance(text, str):
        raise ValueError("base64url value is not a string")
    body = text.rstrip("=")
    if not _B64URL.match(body) or len(body) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except binascii.Error as exc:  # pragma: no cover - the regex already filters
        raise ValueError("not base64url") from exc


# --- KID spellings ----------------------------------------------------------------------------

def kid_from(value: bytes | str | uuid.UUID) -> bytes:
    """A KID as 16 bytes from bytes, a UUID, 32 hex digits (``0x`` allowed), a UUID string or base64url."""
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, (bytes, bytearray)):
        if len(value) != KID_SIZE:
            raise ValueError(f"KID must be {KID_SIZE} bytes, got {len(value)}")
        return bytes(value)
    text = value.strip()
    hexpart = text[2:] if text.lower().startswith("0x") else text
    hexpart = hexpart.replace("-", "") if len(hexpart) == 36 else hexpart
    if len(hexpart) == 32 and re.fullmatch(r"[0-9a-fA-F]{32}", hexpart):
        return bytes.fromhex(hexpart)
    raw = b64url_decode(text)
    if len(raw) != KID_SIZE:
        raise ValueError(f"KID must be {KID_SIZE} bytes, got {len(raw)}")
    return raw


def kid_hex(kid: bytes) -> str:
    """32 lowercase hex digits (the backend's ``content_keys.kid`` spelling)."""
    return kid_from(kid).hex()


def kid_b64url(kid: bytes) -> str:
    """The EME ClearKey spelling."""
    return b64url_encode(kid_from(kid))


# --- licence JSON -----------------------------------------------------------------------------

def build_license_request(kids: Iterable[bytes], *, session_id: str) -> dict[str, Any]:
    """The streaming (``temporary``) licence request body (layout contract, EME §9.1.3)."""
    return {"kids": [kid_b64url(k) for k in kids], "type": "temporary", "session_id": session_id}


def build_offline_request(kids: Iterable[bytes], *, title_id: str, device_id: str,
                          renew_license_id: str | None = None) -> dict[str, Any]:
    """The ``persistent-license`` request body; ``renew_license_id`` extends an existing licence."""
    return {
        "kids": [kid_b64url(k) for k in kids],
        "type": "persistent-license",
        "title_id": title_id,
        "device_id": device_id,
        "renew_license_id": renew_license_id,
    }


def decode_json_object(body: bytes | str) -> dict[str, Any]:
    """Parse a JSON object or raise ``MalformedLicense`` (never ``JSONDecodeError``)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedLicense("licence response is not JSON") from exc
    if not isinstance(data, dict):
        raise MalformedLicense("licence response is not a JSON object")
    return data


def parse_license_keys(response: Mapping[str, Any], requested: Iterable[bytes], *,
                       expected_type: str) -> dict[bytes, bytes]:
    """Validate a ClearKey JWK set and return ``{kid: key}`` covering exactly the KIDs requested.

    Rejects: a missing/odd ``keys`` list, ``kty`` other than ``oct``, keys or KIDs that are not
    16 bytes, KIDs not requested, one KID with two different keys, a requested KID left out, and a
    ``type`` other than the session type we asked for (EME §9.1.4).
    """
    wanted = {kid_from(k) for k in requested}
    if response.get("type", expected_type) != expected_type:
        raise MalformedLicense(f"licence type {response.get('type')!r}, expected {expected_type!r}")
    entries = response.get("keys")
    if not isinstance(entries, list) or not entries:
        raise MalformedLicense("licence has no 'keys' list")
    keys: dict[bytes, bytes] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise MalformedLicense("licence key entry is not an object")
        if entry.get("kty") != "oct":
            raise MalformedLicense(f"licence key type {entry.get('kty')!r}, expected 'oct'")
        try:
            kid = b64url_decode(entry.get("kid"))
            key = b64url_decode(entry.get("k"))
        except ValueError as exc:
            raise MalformedLicense("licence kid or key is not base64url") from exc
        if len(kid) != KID_SIZE or len(key) != KEY_SIZE:
            raise MalformedLicense("licence kid or key is not 16 bytes")
        if kid not in wanted:
            raise MalformedLicense(f"licence carries a key for KID {kid.hex()} that was not requested")
        if kid in keys and keys[kid] != key:
            raise MalformedLicense(f"licence carries two different keys for KID {kid.hex()}")
        keys[kid] = key
    missing = wanted - keys.keys()
    if missing:
        raise MalformedLicense(f"licence lacks keys for KIDs {sorted(k.hex() for k in missing)}")
    return keys


# --- PSSH -------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Pssh:
    """One Protection System Specific Header box (ISO/IEC 23001-7 §8.1.1)."""

    system_id: uuid.UUID
    version: int
    kids: tuple[bytes, ...]
    data: bytes

    @property
    def is_clearkey(self) -> bool:
        """True for the W3C ClearKey / Common system."""
        return self.system_id == CLEARKEY_SYSTEM_ID


def build_pssh(kids: Iterable[bytes], *, system_id: uuid.UUID = CLEARKEY_SYSTEM_ID,
               data: bytes = b"") -> bytes:
    """A version-1 ``pssh`` box listing ``kids`` (what the W3C Common PSSH format prescribes)."""
    kid_list = [kid_from(k) for k in kids]
    body = (bytes([1, 0, 0, 0]) + system_id.bytes + struct.pack(">I", len(kid_list))
            + b"".join(kid_list) + struct.pack(">I", len(data)) + data)
    return struct.pack(">I", 8 + len(body)) + b"pssh" + body


def parse_pssh(box: bytes) -> Pssh:
    """Parse one complete ``pssh`` box (header included); raise ``MalformedPssh`` on any defect."""
    box = bytes(box)
    size, kind, header = _box_header(box, 0)
    if kind != b"pssh":
        raise MalformedPssh(f"box type {kind!r}, expected 'pssh'")
    if size != len(box):
        raise MalformedPssh(f"pssh box size {size} does not match {len(box)} bytes given")
    pos = header
    if len(box) < pos + 4 + 16:
        raise MalformedPssh("pssh box too short for version/flags and SystemID")
    version = box[pos]
    if version > 1:
        raise MalformedPssh(f"pssh version {version} is not defined")
    system_id = uuid.UUID(bytes=box[pos + 4:pos + 20])
    pos += 20
    kids: list[bytes] = []
    if version == 1:
        if len(box) < pos + 4:
            raise MalformedPssh("pssh v1 box lacks KID_count")
        (count,) = struct.unpack_from(">I", box, pos)
        pos += 4
        if len(box) < pos + count * KID_SIZE:
            raise MalformedPssh(f"pssh box announces {count} KIDs but is too short")
        kids = [box[pos + i * KID_SIZE:pos + (i + 1) * KID_SIZE] for i in range(count)]
        pos += count * KID_SIZE
    if len(box) < pos + 4:
        raise MalformedPssh("pssh box lacks DataSize")
    (data_size,) = struct.unpack_from(">I", box, pos)
    pos += 4
    if pos + data_size != len(box):
        raise MalformedPssh("pssh DataSize does not match the box size")
    return Pssh(system_id=system_id, version=version, kids=tuple(kids), data=box[pos:])


def iter_pssh_boxes(data: bytes) -> Iterator[Pssh]:
    """Every ``pssh`` box at the top level or inside ``moov`` of an init segment (or a bare box)."""
    yield from _walk(bytes(data), 0, len(data))


def clearkey_kids(data: bytes) -> list[bytes]:
    """KIDs announced by ClearKey/Common ``pssh`` boxes in ``data``, in order, without repeats."""
    seen: list[bytes] = []
    for pssh in iter_pssh_boxes(data):
        if pssh.is_clearkey:
            seen.extend(k for k in pssh.kids if k not in seen)
    return seen


def _box_header(buf: bytes, pos: int) -> tuple[int, bytes, int]:
    """(size, type, header length) of the box at ``pos`` (ISO/IEC 14496-12 §4.2, largesize too)."""
    if len(buf) < pos + 8:
        raise MalformedPssh("truncated box header")
    size, kind = struct.unpack_from(">I4s", buf, pos)
    header = 8
    if size == 1:
        if len(buf) < pos + 16:
            raise MalformedPssh("truncated largesize box header")
        (size,) = struct.unpack_from(">Q", buf, pos + 8)
        header = 16
    elif size == 0:
        size = len(buf) - pos
    if size < header:
        raise MalformedPssh(f"box size {size} smaller than its header")
    return size, kind, header


def _walk(buf: bytes, start: int, end: int) -> Iterator[Pssh]:
    pos = start
    while pos + 8 <= end:
        size, kind, header = _box_header(buf, pos)
        if pos + size > end:
            raise MalformedPssh(f"box {kind!r} runs past the end of its parent")
        if kind == b"pssh":
            yield parse_pssh(buf[pos:pos + size])
        elif kind == b"moov":
            yield from _walk(buf, pos + header, pos + size)
        pos += size

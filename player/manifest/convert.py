"""Strict attribute converters shared by the HLS and DASH parsers.

Why one module: the parsing libraries we measured get these wrong in ways that are silent
(``bool("0") is True``, durations kept as strings, ``cenc:`` matched as a literal prefix). Every
attribute that reaches the model goes through one of these functions, and every bad value raises
:class:`ManifestError` naming the attribute, never ``ValueError``.
"""
from __future__ import annotations

import base64
import binascii
import math
import re
import uuid
from fractions import Fraction
from xml.etree.ElementTree import Element

from .errors import ManifestError

# Namespaces (ISO/IEC 23009-1 Annex B, ISO/IEC 23001-7 §11.2, W3C XLink).
NS_DASH = "urn:mpeg:dash:schema:mpd:2011"
NS_CENC = "urn:mpeg:cenc:2013"
NS_XLINK = "http://www.w3.org/1999/xlink"
NS_DASHIF_CPS = "https://dashif.org/CPS"  # dashif:laurl (DASH-IF IOP v4.3 §7.7.4.2)
NS_DASHIF_CLEARKEY = "http://dashif.org/guidelines/clearKey"  # clearkey:Laurl (the older spelling)

MP4_PROTECTION_SCHEME = "urn:mpeg:dash:mp4protection:2011"


def to_bool(value: str | None, *, name: str, default: bool = False) -> bool:
    """XML Schema ``xs:boolean``: only ``true``/``false``/``1``/``0`` (XSD §3.3.2) — so
    ``segmentAlignment="0"`` is False, unlike ``bool("0")``."""
    if value is None:
        return default
    v = value.strip()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    raise ManifestError(f"{name}: {value!r} is not a boolean (true/false)")


def to_int(value: str | None, *, name: str, default: int | None = None, minimum: int | None = 0) -> int | None:
    """A decimal integer (``xs:unsignedInt``/``xs:unsignedLong``, RFC 8216 decimal-integer)."""
    if value is None:
        return default
    v = value.strip()
    if not re.fullmatch(r"[+-]?\d{1,20}", v):
        raise ManifestError(f"{name}: {value!r} is not an integer")
    n = int(v)
    if minimum is not None and n < minimum:
        raise ManifestError(f"{name}: {n} is below {minimum}")
    return n


def to_float(value: str | None, *, name: str, default: float | None = None) -> float | None:
    """A finite decimal number (RFC 8216 decimal-floating-point, ``xs:double``)."""
    if value is None:
        return default
    try:
        f = float(value.strip())
    except ValueError:
        raise ManifestError(f"{name}: {value!r} is not a number") from None
    if not math.isfinite(f):
        raise ManifestError(f"{name}: {value!r} is not finite")
    return f


def to_frame_rate(value: str | None, *, name: str = "frameRate") -> float | None:
    """DASH ``FrameRateType`` (``30000/1001`` or ``25``, §5.3.7.2) or HLS ``FRAME-RATE``."""
    if value is None:
        return None
    v = value.strip()
    m = re.fullmatch(r"(\d{1,10})(?:/(\d{1,10}))?", v)
    if m:
        num, den = int(m.group(1)), int(m.group(2) or 1)
        if den == 0:
            raise ManifestError(f"{name}: {value!r} divides by zero")
        return float(Fraction(num, den))
    return to_float(v, name=name)


_DURATION = re.compile(
    r"(?P<sign>-)?P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d*)?|\.\d+)S)?)?"
)
_UNIT_S = {"years": 365 * 86400, "months": 30 * 86400, "weeks": 7 * 86400, "days": 86400,
           "hours": 3600, "minutes": 60, "seconds": 1}


def to_duration(value: str | None, *, name: str, default: float | None = None) -> float | None:
    """ISO 8601 ``xs:duration`` (``PT1H2M3.5S``, ``P1DT2H``) to seconds.

    Years and months have no fixed length; like every DASH player we take 365 and 30 days
    (they do not appear in real MPDs)."""
    if value is None:
        return default
    v = value.strip()
    m = _DURATION.fullmatch(v)
    if not m or v in ("P", "-P") or v.endswith("T"):
        raise ManifestError(f"{name}: {value!r} is not an ISO 8601 duration")
    total = sum(float(m.group(k)) * mult for k, mult in _UNIT_S.items() if m.group(k))
    if m.group("sign"):
        total = -total
    if not math.isfinite(total):
        raise ManifestError(f"{name}: {value!r} is out of range")
    return total


def to_kid(value: str | None, *, name: str = "default_KID") -> bytes | None:
    """A KID as 16 bytes from the UUID form (``cenc:default_KID``, ISO/IEC 23001-7 §11.2) or
    from ``0x``-hex (HLS ``KEYID``)."""
    if value is None:
        return None
    v = value.strip()
    try:
        if v[:2].lower() == "0x":
            raw = bytes.fromhex(v[2:])
            if len(raw) != 16:
                raise ValueError
            return raw
        return uuid.UUID(v).bytes
    except ValueError:
        raise ManifestError(f"{name}: {value!r} is not a 16-byte key id") from None


def to_hex_bytes(value: str | None, *, name: str) -> bytes | None:
    """RFC 8216 hexadecimal-sequence (``0x...``), e.g. an EXT-X-KEY ``IV``."""
    if value is None:
        return None
    v = value.strip()
    if v[:2].lower() != "0x":
        raise ManifestError(f"{name}: {value!r} is not a 0x hexadecimal sequence")
    hexpart = v[2:]
    if len(hexpart) % 2:
        hexpart = "0" + hexpart
    try:
        return bytes.fromhex(hexpart)
    except ValueError:
        raise ManifestError(f"{name}: {value!r} is not a 0x hexadecimal sequence") from None


def from_base64(value: str, *, name: str) -> bytes:
    """Standard base64 (whitespace ignored), e.g. ``cenc:pssh`` content."""
    compact = "".join(value.split())
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ManifestError(f"{name}: not valid base64") from None


# ---- namespace-aware XML lookups -------------------------------------------------------------

def q(local: str, ns: str = NS_DASH) -> str:
    """Clark notation ``{ns}local`` — ElementTree resolves prefixes, so this finds
    ``<cenc:pssh>``, ``<c:pssh xmlns:c="urn:mpeg:cenc:2013">`` and default-namespace forms alike."""
    return f"{{{ns}}}{local}"


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def children(el: Element, local: str, ns: str | None) -> list[Element]:
    """Children named ``local`` in ``ns`` (the MPD's own namespace, or none for un-namespaced MPDs)."""
    tag = f"{{{ns}}}{local}" if ns else local
    return [c for c in el if c.tag == tag]


def child(el: Element, local: str, ns: str | None) -> Element | None:
    found = children(el, local, ns)
    return found[0] if found else None


def ns_attr(el: Element, local: str, ns: str) -> str | None:
    """An attribute in namespace ``ns`` whatever prefix the document used for it."""
    return el.get(q(local, ns))

"""Common Media Client Data (CTA-5004, 2020) for segment requests — query mode by default.

Implements the keys Reelbox sends (issue 7): ``br`` encoded bitrate, ``bl`` buffer length, ``bs``
buffer starvation, ``cid`` content id, ``d`` object duration, ``mtp`` measured throughput, ``ot``
object type, ``sid`` session id, ``su`` startup, ``tb`` top bitrate. Encoding rules (CTA-5004 §3.2–3.3):

* payload = ``key=value`` pairs joined by ``,``, keys in alphabetical order (reduces fingerprinting);
* integers are rounded half-up; ``bl`` to the nearest 100 ms and ``mtp`` to the nearest 100 kbps;
  ``br``/``tb`` in kbps and ``d`` in ms are plain integers;
* booleans (``bs``, ``su``) appear as the bare key when true and are omitted when false;
* strings (``cid``, ``sid``, ≤ 64 chars) are double-quoted with ``\\`` and ``"`` backslash-escaped
  (RFC 8941 sf-string); tokens (``ot``) are bare;
* query mode: one parameter ``CMCD=<payload percent-encoded as by encodeURIComponent>`` appended to
  the URL; header mode splits the keys over CMCD-Object / -Request / -Session / -Status.

Pure functions; no I/O.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import quote, urlsplit, urlunsplit


class ObjectType(StrEnum):
    """CTA-5004 ``ot`` tokens."""

    MANIFEST = "m"
    AUDIO = "a"
    VIDEO = "v"
    MUXED = "av"
    INIT = "i"
    CAPTION = "c"
    TIMED_TEXT = "tt"
    KEY = "k"
    OTHER = "o"


class CmcdMode(StrEnum):
    QUERY = "query"
    HEADERS = "headers"
    OFF = "off"


_MAX_STRING = 64
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")
# Header each key travels in (CTA-5004 §3.1, table 1).
_HEADER_OF = {
    "br": "CMCD-Object", "d": "CMCD-Object", "ot": "CMCD-Object", "tb": "CMCD-Object",
    "bl": "CMCD-Request", "mtp": "CMCD-Request", "su": "CMCD-Request",
    "cid": "CMCD-Session", "sid": "CMCD-Session",
    "bs": "CMCD-Status",
}


def content_id(target: str) -> str:
    """The ``cid`` for what is played: a catalog title id as it is; a URL only as a digest.

    A manifest URL may carry a signature in its query or path (``/c/<expires>-<sig>/``); as ``cid``
    it would travel to every CDN and into every request log and report, where redaction looks at
    the request's own query only. A digest still tells one content from another.
    """
    if "://" not in target:
        return target[:_MAX_STRING]
    return "url-" + hashlib.sha256(target.encode()).hexdigest()[:16]


@dataclass(frozen=True, kw_only=True)
class CmcdData:
    """What the client knows about one request, in natural units (the encoder converts)."""

    bitrate_kbps: float | None = None  # br
    buffer_s: float | None = None  # bl
    buffer_starved: bool = False  # bs
    content_id: str | None = None  # cid
    duration_s: float | None = None  # d
    throughput_kbps: float | None = None  # mtp
    object_type: ObjectType | None = None  # ot
    session_id: str | None = None  # sid
    startup: bool = False  # su
    top_bitrate_kbps: float | None = None  # tb

    def with_session(self, *, session_id: str | None, content_id: str | None) -> CmcdData:
        """Fill ``sid``/``cid`` from the session unless the request set them already."""
        return replace(self, session_id=self.session_id or session_id, content_id=self.content_id or content_id)


def _round_half_up(value: float, step: int = 1) -> int:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"CMCD integers are finite and non-negative, got {value!r}")
    return int(math.floor(value / step + 0.5)) * step


def _string(value: str) -> str:
    if len(value) > _MAX_STRING:
        raise ValueError(f"CMCD strings are at most {_MAX_STRING} characters")
    if not _PRINTABLE.match(value):
        raise ValueError("CMCD strings are printable ASCII")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pairs(data: CmcdData) -> dict[str, str | None]:
    """Key → encoded value (``None`` for a true boolean), only the keys that are set, sorted."""
    out: dict[str, str | None] = {}
    if data.buffer_s is not None:
        out["bl"] = str(_round_half_up(data.buffer_s * 1000, 100))
    if data.bitrate_kbps is not None:
        out["br"] = str(_round_half_up(data.bitrate_kbps))
    if data.buffer_starved:
        out["bs"] = None
    if data.content_id is not None:
        out["cid"] = _string(data.content_id)
    if data.duration_s is not None:
        out["d"] = str(_round_half_up(data.duration_s * 1000))
    if data.throughput_kbps is not None:
        out["mtp"] = str(_round_half_up(data.throughput_kbps, 100))
    if data.object_type is not None:
        out["ot"] = ObjectType(data.object_type).value
    if data.session_id is not None:
        out["sid"] = _string(data.session_id)
    if data.startup:
        out["su"] = None
    if data.top_bitrate_kbps is not None:
        out["tb"] = str(_round_half_up(data.top_bitrate_kbps))
    return dict(sorted(out.items()))


def _join(items: dict[str, str | None]) -> str:
    return ",".join(key if value is None else f"{key}={value}" for key, value in items.items())


def encode(data: CmcdData) -> str:
    """The CMCD payload, e.g. ``bl=21300,br=3200,bs,cid="t1",d=4004,mtp=25400,ot=v,sid="s",su,tb=6000``."""
    return _join(pairs(data))


def add_to_url(url: str, data: CmcdData) -> str:
    """``url`` with ``CMCD=...`` appended to its query; everything else (signed tokens) kept as is."""
    payload = encode(data)
    if not payload:
        return url
    parts = urlsplit(url)
    param = "CMCD=" + quote(payload, safe="-_.!~*'()")
    query = f"{parts.query}&{param}" if parts.query else param
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def to_headers(data: CmcdData) -> dict[str, str]:
    """Header mode: the keys grouped into the four CMCD headers, each sorted, empty ones left out."""
    groups: dict[str, dict[str, str | None]] = {}
    for key, value in pairs(data).items():
        groups.setdefault(_HEADER_OF[key], {})[key] = value
    return {name: _join(items) for name, items in sorted(groups.items())}


def decode(payload: str) -> dict[str, str | bool]:
    """Parse a CMCD payload back (for tests and the backend's logs): bare keys become ``True``."""
    out: dict[str, str | bool] = {}
    for item in re.findall(r'(?:[^,"]|"(?:[^"\\]|\\.)*")+', payload):
        key, sep, value = item.partition("=")
        if not sep:
            out[key] = True
        elif value.startswith('"'):
            out[key] = re.sub(r"\\(.)", r"\1", value[1:-1])
        else:
            out[key] = value
    return out

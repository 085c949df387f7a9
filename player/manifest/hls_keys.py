"""EXT-X-KEY / EXT-X-SESSION-KEY state → :class:`Protection` (RFC 8216 §4.4.4.4, rfc8216bis).

Several EXT-X-KEY tags with different KEYFORMATs may apply at once (one per DRM system); a new
tag replaces the one with the same KEYFORMAT and ``METHOD=NONE`` clears them all. We pick the
key we can use: W3C ClearKey (our backend emits ``SAMPLE-AES-CTR`` with a ``data:`` URI holding
the PSSH box; other packagers write ``KEYFORMAT="org.w3.clearkey"`` whose URI is the W3C ClearKey
licence server, EME §9.1.4, and ``KEYID`` the KID), then ``identity`` (AES-128 with an http(s) key URI), then whatever comes first.
Key URIs of DRM systems we do not implement (FairPlay ``skd:``, Widevine/PlayReady data) are
never fetched, so they are kept only as PSSH boxes, not resolved as URLs. ``data:`` key URIs are
accepted (inline material, nothing to fetch); ``file:`` and other schemes are refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .convert import to_hex_bytes, to_kid
from .errors import ManifestError, located
from .model import Protection
from .pssh import kids_of_pssh, looks_like_pssh
from .uris import data_uri_bytes, resolve

CLEARKEY_KEYFORMAT = "urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b"
W3C_CLEARKEY = "org.w3.clearkey"
IDENTITY = "identity"

_SCHEMES = {
    "AES-128": "aes-128",
    "SAMPLE-AES": "cbcs",
    "SAMPLE-AES-CTR": "cenc",
    "SAMPLE-AES-CENC": "cenc",
    "AES-256": "aes-256",
    "AES-256-CTR": "aes-256-ctr",
}


@dataclass
class KeyState:
    url: str
    by_format: dict[str, dict[str, str]] = field(default_factory=dict)
    _cache: Protection | None = None
    _dirty: bool = False

    def apply(self, attrs: dict[str, str], line: int) -> None:
        method = attrs.get("METHOD")
        if method is None:
            raise ManifestError("EXT-X-KEY without METHOD", source=self.url, line=line)
        method = method.upper()
        if method == "NONE":
            self.by_format.clear()
        else:
            if "URI" not in attrs:
                raise ManifestError(f"EXT-X-KEY METHOD={method} without URI", source=self.url, line=line)
            fmt = attrs.get("KEYFORMAT", IDENTITY)
            self.by_format[fmt] = {**attrs, "METHOD": method, "_LINE": str(line)}
        self._dirty = True

    def protection(self) -> Protection | None:
        """The effective key for the next segment; the same object until a tag changes it."""
        if self._dirty:
            self._cache = self._build()
            self._dirty = False
        return self._cache

    def _build(self) -> Protection | None:
        if not self.by_format:
            return None
        for preferred in (CLEARKEY_KEYFORMAT, W3C_CLEARKEY, IDENTITY):
            if preferred in self.by_format:
                chosen = preferred
                break
        else:
            chosen = next(iter(self.by_format))
        attrs = self.by_format[chosen]
        line = int(attrs["_LINE"])
        try:
            return self._protection(chosen, attrs)
        except ManifestError as exc:
            raise located(exc, source=self.url, line=line) from None

    def _protection(self, chosen: str, attrs: dict[str, str]) -> Protection:
        method = attrs["METHOD"]
        kid = to_kid(attrs["KEYID"], name="KEYID") if "KEYID" in attrs else None
        iv = to_hex_bytes(attrs.get("IV"), name="IV")
        if iv is not None and len(iv) > 16:
            raise ManifestError("IV longer than 128 bits")
        psshs: list[bytes] = []
        for fmt, a in self.by_format.items():
            if fmt.lower().startswith("urn:uuid:") and a["URI"].lower().startswith("data:"):
                box = data_uri_bytes(a["URI"])
                if looks_like_pssh(box):
                    psshs.append(box)
        key_uri: str | None = None
        license_url = resolve(self.url, attrs["URI"]) if chosen == W3C_CLEARKEY else None
        if chosen in (IDENTITY, CLEARKEY_KEYFORMAT):
            # A data: key URI is inline key material or a PSSH box (nothing is fetched), which
            # rfc8216bis §4.4.4.4 allows; any other non-http(s) scheme is refused.
            key_uri = resolve(self.url, attrs["URI"], allow_data=True)
        if kid is None:
            for box in psshs:
                kids = kids_of_pssh(box)
                if kids:
                    kid = kids[0]
                    break
        return Protection(scheme=_SCHEMES.get(method, method.lower()), default_kid=kid, pssh=tuple(psshs),
                          key_uri=key_uri, iv=iv.rjust(16, b"\0") if iv else None, key_format=chosen,
                          license_url=license_url)

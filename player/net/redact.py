"""Strip secrets from URLs before they reach a log, a record, an error message or telemetry.

Signed URLs are *fetched* untouched (the token is what authorises us); only their printed form is
redacted. Covered: query parameters that carry signatures or credentials (CloudFront, S3 SigV4,
Akamai, our own), user-info in the authority, and our edges' path token ``/c/<expires>-<sig>/``
(see the layout contract: the token sits in the path so relative URLs inherit it).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

REDACTED = "REDACTED"

SECRET_QUERY_KEYS = frozenset(
    k.lower()
    for k in (
        "token", "sig", "signature", "exp", "expires", "key", "policy", "hdnts", "hdntl", "hmac",
        "auth", "access_token", "Key-Pair-Id", "X-Amz-Signature", "X-Amz-Credential",
        "X-Amz-Security-Token", "se", "sv", "sp", "st", "skoid", "sktid", "password", "secret",
        "__token__",  # Akamai EdgeAuth's default token name (hdnts/hdntl are its older ones)
        "wmsAuthSign",  # Wowza's SecureURL
        "md5",  # nginx secure_link, the usual spelling (with ``expires``)
    )
)

_PATH_TOKEN = re.compile(r"/c/[^/]+/")


def _redact_query(query: str) -> str:
    if not query:
        return query
    try:
        pairs = parse_qsl(query, keep_blank_values=True)
    except ValueError:
        return REDACTED
    out = []
    for key, value in pairs:
        shown = REDACTED if key.lower() in SECRET_QUERY_KEYS else value
        out.append(f"{quote(key, safe='')}={quote(shown, safe='')}")
    return "&".join(out)


def redact(url: str) -> str:
    """The URL with tokens, signatures and user-info replaced by ``REDACTED``; never raises."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return REDACTED
    if parts.scheme == "data":
        return "data:" + REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    path = _PATH_TOKEN.sub(f"/c/{REDACTED}/", parts.path, count=1)
    return urlunsplit((parts.scheme, netloc, path, _redact_query(parts.query), ""))

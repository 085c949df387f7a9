"""A body the server compressed although we asked for ``identity``: decoded, within the request's size limit.

Why: static origins serve files stored gzip-compressed with ``Content-Encoding: gzip`` whatever the client
asks (an S3 or GCS object uploaded pre-compressed with that metadata is the common case; browsers, hls.js and
plain libmpv's HTTP reader all inflate it). Our transport asks for ``identity`` (so segment bytes on the wire
are what the ABR measures) and read the gzip bytes as the playlist: "not UTF-8", exit 1.
Pure: bytes in, bytes out.
"""
from __future__ import annotations

import zlib

from .errors import BodyTooLarge, CorruptSegment

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def decode_body(body: bytes, content_encoding: str | None, *, limit: int | None, source: str) -> bytes:
    """``body`` with its ``Content-Encoding`` (RFC 9110 §8.4) undone, codings applied last undone first.

    ``limit``: the most decoded bytes allowed (:class:`BodyTooLarge` past it: a small gzip may inflate to
    gigabytes). A coding we cannot undo (``br``, ``zstd``) or a body that does not decode is a
    :class:`CorruptSegment` naming it: another CDN may serve it plainly.
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        wbits = _WBITS.get(coding)
        if wbits is None:
            raise CorruptSegment(f"{source} came with Content-Encoding {coding!r}, which we cannot decode")
        body = _inflate(body, wbits, coding, limit=limit, source=source)
    return body


def _inflate(body: bytes, wbits: int, coding: str, *, limit: int | None, source: str) -> bytes:
    decoder = zlib.decompressobj(wbits)
    try:
        out = decoder.decompress(body, (limit + 1) if limit is not None else 0)
    except zlib.error as exc:
        if coding == "deflate":  # servers send raw deflate under this name as often as zlib-wrapped
            return _inflate(body, -zlib.MAX_WBITS, "raw deflate", limit=limit, source=source)
        raise CorruptSegment(f"{source} is not valid {coding}: {exc}") from None
    if limit is not None and len(out) > limit:
        raise BodyTooLarge(f"{source} inflates to more than the {limit} bytes allowed")
    if not decoder.eof:
        raise CorruptSegment(f"{source}: the {coding} body ends before its stream does")
    return out

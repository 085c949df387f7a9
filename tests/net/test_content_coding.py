"""A body sent with ``Content-Encoding`` although we asked for ``identity`` (an S3/GCS object stored gzip-compressed with
that metadata) is decoded by the real transport, within the request's size limit; what cannot be decoded is named.

Before: the gzip bytes were read as the playlist ("not UTF-8", exit 1) where plain libmpv plays the stream.
"""
from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest
from hostile_server import Answer, hostile

from player.net import HttpTransport
from player.net.errors import BodyTooLarge, CorruptSegment
from player.net.request import ByteRange, FetchResult, SegmentRequest

PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + b"#EXTINF:2.0,\nseg.ts\n" * 200 + b"#EXT-X-ENDLIST\n"


def _fetch(answer: Answer, **request: object) -> FetchResult:
    async def main() -> FetchResult:
        async with HttpTransport() as transport:
            return await transport.fetch(SegmentRequest(url=f"{server.base}/m.m3u8", **request))  # type: ignore[arg-type]

    with hostile({"/m.m3u8": answer}) as server:
        return asyncio.run(main())


def _raw_deflate(data: bytes) -> bytes:
    coder = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return coder.compress(data) + coder.flush()


@pytest.mark.parametrize("coding,body", [("gzip", gzip.compress(PLAYLIST)), ("x-gzip", gzip.compress(PLAYLIST)),
                                         ("deflate", zlib.compress(PLAYLIST)), ("deflate", _raw_deflate(PLAYLIST)),
                                         ("identity", PLAYLIST), ("gzip, identity", gzip.compress(PLAYLIST))])
def test_a_coded_body_arrives_decoded(coding: str, body: bytes) -> None:
    assert _fetch(Answer(body=body, encoding=coding)).body == PLAYLIST


def test_a_range_of_a_coded_body_sent_whole_is_cut_from_the_decoded_body() -> None:
    """A 200 to a ranged request (the server ignored Range) carries the whole coded resource: decode, then cut."""
    result = _fetch(Answer(body=gzip.compress(PLAYLIST), encoding="gzip"), byte_range=ByteRange(0, 7))
    assert result.body == b"#EXTM3U"


def test_a_body_that_inflates_past_the_limit_is_too_large() -> None:
    bomb = gzip.compress(b"\0" * 4_000_000)  # ~4 kB on the wire
    with pytest.raises(BodyTooLarge, match="inflates to more than the 1000000 bytes"):
        _fetch(Answer(body=bomb, encoding="gzip"), max_bytes=1_000_000)


@pytest.mark.parametrize("coding,body,why", [("br", b"\x1b\x03\x00", "cannot decode"),
                                             ("gzip", b"not gzip at all", "not valid gzip"),
                                             ("gzip", gzip.compress(PLAYLIST)[:-40], "ends before its stream")])
def test_what_cannot_be_decoded_is_a_named_error(coding: str, body: bytes, why: str) -> None:
    with pytest.raises(CorruptSegment, match=why):
        _fetch(Answer(body=body, encoding=coding))

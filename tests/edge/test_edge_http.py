"""HTTP behaviour of one healthy edge: bodies, HEAD, byte ranges, validators, caching, keep-alive."""
from __future__ import annotations

import httpx
import pytest
from edge_harness import MANIFEST, SEGMENT_SIZE, header_value, raw_get, read_response, wait_records


def test_get_segment_returns_exact_bytes_and_logs_them(edge, tree) -> None:
    """A full GET returns the file byte for byte and the access log counts every body byte."""
    r = httpx.get(edge.url("v0/seg_1.m4s"))
    assert r.status_code == 200
    assert r.content == tree.segment
    assert r.headers["content-length"] == str(SEGMENT_SIZE)
    (rec,) = wait_records(edge.server, 1)
    assert (rec.method, rec.status, rec.bytes_sent, rec.faults) == ("GET", 200, SEGMENT_SIZE, ())


def test_large_body_over_sendfile_is_intact(edge, tree) -> None:
    """A 2 MB body (zero-copy path) arrives complete."""
    r = httpx.get(edge.url("v0/big.m4s"))
    assert r.content == tree.big


@pytest.mark.parametrize(
    ("relpath", "ctype", "cache"),
    [
        ("master.m3u8", "application/vnd.apple.mpegurl", "max-age=2"),
        ("manifest.mpd", "application/dash+xml", "max-age=2"),
        ("v0/init.mp4", "video/mp4", "max-age=31536000"),
        ("v0/seg_1.m4s", "video/iso.segment", "max-age=31536000"),
        ("sub_en.vtt", "text/vtt; charset=utf-8", "max-age=31536000"),
        ("artwork.jpg", "image/jpeg", "max-age=3600"),
    ],
)
def test_content_type_and_cache_control(edge, relpath, ctype, cache) -> None:
    """Each kind of packaged file gets its media type, long caching for segments, short for manifests."""
    r = httpx.get(edge.url(relpath))
    assert r.status_code == 200
    assert r.headers["content-type"] == ctype
    assert cache in r.headers["cache-control"]


def test_head_has_headers_and_no_body(edge) -> None:
    """HEAD answers the GET headers (length, type, ETag) with an empty body and logs 0 body bytes."""
    r = httpx.head(edge.url("v0/seg_1.m4s"))
    assert r.status_code == 200
    assert r.headers["content-length"] == str(SEGMENT_SIZE)
    assert r.headers["etag"]
    assert r.content == b""
    (rec,) = wait_records(edge.server, 1)
    assert (rec.method, rec.bytes_sent) == ("HEAD", 0)


@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, SEGMENT_SIZE - 1), ("bytes=-500", SEGMENT_SIZE - 500, SEGMENT_SIZE - 1),
     ("bytes=299990-400000", 299990, SEGMENT_SIZE - 1), ("bytes=-999999", 0, SEGMENT_SIZE - 1)],
)
def test_single_range_is_206_with_the_right_bytes(edge, tree, spec, first, last) -> None:
    """`a-b`, `a-` and `-n` ranges answer 206 with Content-Range and exactly those bytes."""
    r = httpx.get(edge.url("v0/seg_1.m4s"), headers={"Range": spec})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes {first}-{last}/{SEGMENT_SIZE}"
    assert r.content == tree.segment[first : last + 1]
    (rec,) = wait_records(edge.server, 1)
    assert (rec.range, rec.bytes_sent) == (spec, last - first + 1)


@pytest.mark.parametrize("spec", ["bytes=300000-", "bytes=400000-400010", "bytes=-0"])
def test_unsatisfiable_range_is_416(edge, spec) -> None:
    """A range starting past the end (or an empty suffix) answers 416 with `bytes */size`."""
    r = httpx.get(edge.url("v0/seg_1.m4s"), headers={"Range": spec})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{SEGMENT_SIZE}"


@pytest.mark.parametrize("spec", ["bytes=0-9,20-29", "items=0-9", "bytes=9-1", "bytes=x-"])
def test_multi_or_invalid_range_sends_whole_file(edge, tree, spec) -> None:
    """Multi-range and invalid Range headers are ignored (RFC 9110 §14.2): 200 with the whole file."""
    r = httpx.get(edge.url("v0/seg_1.m4s"), headers={"Range": spec})
    assert r.status_code == 200
    assert r.content == tree.segment


def test_etag_if_none_match_gives_304(edge) -> None:
    """Revalidating with the ETag answers 304 with no body; a stale tag gets the full 200."""
    first = httpx.get(edge.url("master.m3u8"))
    etag = first.headers["etag"]
    again = httpx.get(edge.url("master.m3u8"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    stale = httpx.get(edge.url("master.m3u8"), headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale.content == MANIFEST


def test_etag_changes_when_file_changes(edge, tree) -> None:
    """A rewritten file gets a new ETag so caches cannot serve the old bytes as current."""
    before = httpx.head(edge.url("master.m3u8")).headers["etag"]
    (tree.root / "title-1" / "master.m3u8").write_bytes(MANIFEST + b"#EXT-X-ENDLIST\n")
    after = httpx.head(edge.url("master.m3u8")).headers["etag"]
    assert before != after


def test_if_range_with_old_etag_sends_whole_file(edge, tree) -> None:
    """If-Range with a non-matching validator ignores Range (RFC 9110 §13.1.5); a matching one honours it."""
    etag = httpx.head(edge.url("v0/seg_1.m4s")).headers["etag"]
    stale = httpx.get(edge.url("v0/seg_1.m4s"), headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert (stale.status_code, len(stale.content)) == (200, SEGMENT_SIZE)
    fresh = httpx.get(edge.url("v0/seg_1.m4s"), headers={"Range": "bytes=0-9", "If-Range": etag})
    assert (fresh.status_code, fresh.content) == (206, tree.segment[:10])


def test_keep_alive_serves_many_requests_on_one_connection(edge, tree) -> None:
    """A client reuses one TCP connection for many requests (HTTP/1.1 persistence)."""
    with httpx.Client() as client:
        for _ in range(5):
            assert client.get(edge.url("v0/seg_1.m4s")).content == tree.segment
        assert edge.server.connections == 1


def test_pipelined_requests_answered_in_order(edge) -> None:
    """Two requests sent back to back on one socket get two answers, the second one closing."""
    target = edge.path("master.m3u8")
    sock = raw_get(edge.server.port, target, timeout=2)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n".encode())
    head, rest, _ = read_response(sock)
    sock.close()
    assert head.startswith(b"HTTP/1.1 200")
    assert rest.count(b"HTTP/1.1 200 OK") == 1
    assert rest.count(MANIFEST) == 2
    assert rest.rstrip().endswith(MANIFEST.rstrip())


def test_other_methods_are_405(edge) -> None:
    """Edges are read-only: POST answers 405 with Allow."""
    r = httpx.post(edge.url("master.m3u8"), content=b"x")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"


def test_garbage_request_is_400_and_closed(edge) -> None:
    """A malformed request line answers 400 and the connection closes."""
    import socket

    sock = socket.create_connection(("127.0.0.1", edge.server.port), timeout=2)
    sock.sendall(b"HELLO\r\n\r\n")
    head, _, _ = read_response(sock)
    sock.close()
    assert head.startswith(b"HTTP/1.1 400")
    assert header_value(head, "connection") == "close"

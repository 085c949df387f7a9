"""Signed-path access control and path-traversal defence of an edge (layout contract: 403 / 404)."""
from __future__ import annotations

import json
import logging
import time

import httpx
import pytest
from edge_harness import SECRET, TITLE, raw_get, read_response, wait_records

from backend_stub.edge.signing import sign_token


def _status(edge, target: str) -> int:  # noqa: ANN001
    sock = raw_get(edge.server.port, target, extra="Connection: close\r\n", timeout=3)
    head, _, _ = read_response(sock)
    sock.close()
    return int(head.split(b" ")[1])


def test_expired_token_is_403(edge) -> None:
    """A correctly signed token whose expiry has passed is refused with 403."""
    r = httpx.get(edge.url("master.m3u8", expires=int(time.time()) - 5))
    assert r.status_code == 403
    assert b"expired" in r.content


def test_forged_signature_is_403(edge) -> None:
    """A token with a future expiry but a signature not made with the edge secret is refused."""
    good = sign_token(SECRET, TITLE, int(time.time()) + 600)
    expires, sig = good.split("-")
    forged = f"{expires}-{'0' * 32 if sig != '0' * 32 else '1' * 32}"
    assert _status(edge, f"/c/{forged}/{TITLE}/master.m3u8") == 403
    other_key = sign_token(b"another-secret", TITLE, int(time.time()) + 600)
    assert _status(edge, f"/c/{other_key}/{TITLE}/master.m3u8") == 403
    longer = sign_token(SECRET, TITLE, int(expires) + 10_000).split("-")[0]
    assert _status(edge, f"/c/{longer}-{sig}/{TITLE}/master.m3u8") == 403  # expiry edited, sig kept


def test_token_for_another_title_is_403(edge, tree) -> None:
    """A grant is bound to its title: reusing it for another title's path is refused."""
    other = tree.root / "title-2"
    other.mkdir()
    (other / "master.m3u8").write_bytes(b"#EXTM3U\n")
    token = sign_token(SECRET, TITLE, int(time.time()) + 600)
    assert _status(edge, f"/c/{token}/title-2/master.m3u8") == 403
    assert _status(edge, f"/c/{sign_token(SECRET, 'title-2', int(time.time()) + 600)}/title-2/master.m3u8") == 200


@pytest.mark.parametrize("token", ["", "nodash", "123-short", "abc-" + "0" * 32, "-" + "0" * 32])
def test_malformed_or_missing_token_is_refused(edge, token) -> None:
    """Missing or malformed tokens never reach a file (403, or 404 when the path shape is broken)."""
    assert _status(edge, f"/c/{token}/{TITLE}/master.m3u8") in (403, 404)
    assert _status(edge, f"/c/{token}/{TITLE}/master.m3u8") != 200


@pytest.mark.parametrize(
    "rest",
    [
        "../secret.txt", "../../secret.txt", "%2e%2e/%2e%2e/secret.txt", "%2E%2E%2F%2E%2E%2Fsecret.txt",
        "v0/../../../secret.txt", "..%5c..%5csecret.txt", "/etc/passwd", "%2fetc%2fpasswd", "./master.m3u8",
        "escape.m4s", "v0", "missing.m4s", "master.m3u8%00.jpg",
    ],
)
def test_traversal_and_missing_files_are_404(edge, rest) -> None:
    """Dot segments (plain or percent-encoded), absolute paths, escaping symlinks, NUL and dirs: 404."""
    target = edge.path("x").rsplit("/", 1)[0] + "/" + rest
    assert _status(edge, target) == 404


def test_title_segment_traversal_is_404(edge) -> None:
    """`..` as the title, even with a token signed for "..", never escapes the content root."""
    token = sign_token(SECRET, "..", int(time.time()) + 600)
    assert _status(edge, f"/c/{token}/../secret.txt") == 404
    assert _status(edge, f"/c/{token}/%2e%2e/secret.txt") == 404


def test_staging_folder_is_not_served(edge) -> None:
    """Unpublished work under content/.staging is invisible even with a valid token for that name."""
    token = sign_token(SECRET, ".staging", int(time.time()) + 600)
    assert _status(edge, f"/c/{token}/.staging/job1/master.m3u8") == 404


def test_absolute_form_target_is_served(edge) -> None:
    """An absolute-form request-target (RFC 9112 §3.2.2) maps to the same file; a path outside /c/ is 404."""
    assert _status(edge, f"http://127.0.0.1:{edge.server.port}{edge.path('master.m3u8')}") == 200
    assert _status(edge, "/etc/passwd") == 404


def test_logs_never_carry_the_token(edge, caplog) -> None:
    """The access log and its JSON lines show `<token>` in place of the signed grant."""
    caplog.set_level(logging.INFO, logger="backend_stub.edge.access")
    url = edge.url("master.m3u8")
    token = url.split("/c/")[1].split("/")[0]
    httpx.get(url)
    httpx.get(url.replace(token, token[:-1] + ("0" if token[-1] != "0" else "1")))
    records = wait_records(edge.server, 2)
    assert [r.status for r in records] == [200, 403]
    assert all(r.path == f"/c/<token>/{TITLE}/master.m3u8" for r in records)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "backend_stub.edge.access"]
    assert len(lines) == 2
    assert token[-20:] not in caplog.text
    assert lines[0]["status"] == 200 and lines[0]["bytes_sent"] > 0

"""URI policy: hostile schemes and origin escapes are refused with named errors."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from player.errors import UnsafeUriError
from player.net.errors import EscapesOrigin, MissingHost, RefusedScheme
from player.net.uri_policy import check_redirect, check_uri, resolve

ORIGIN = "http://127.0.0.1:8001/c/1700000000-abcdef/t1/manifest.mpd"


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "FILE:///etc/passwd", "ftp://example.com/a.mp4",
                                 "javascript:alert(1)", "gopher://x/", "data:text/plain,hello", "seg.m4s"])
def test_refused_schemes(uri: str) -> None:
    """Anything but http/https (and data: unless allowed) raises RefusedScheme."""
    with pytest.raises(RefusedScheme):
        check_uri(uri)


def test_file_message_is_clear() -> None:
    """The error names the scheme and why."""
    with pytest.raises(RefusedScheme, match="file: URI"):
        check_uri("file:///etc/passwd")


def test_data_allowed_only_when_spec_allows() -> None:
    """data: passes when the caller says the spec allows it (HLS key URI), and is returned unchanged."""
    uri = "data:text/plain;base64,AAAA"
    assert check_uri(uri, allow_data=True) == uri
    with pytest.raises(RefusedScheme):
        check_uri(uri)


@pytest.mark.parametrize("uri", ["http:///path", "https://", "http://exa mple.com/", "http://a.com/\r\nX: y",
                                 "http://a.com:99999/"])
def test_hostless_or_malformed(uri: str) -> None:
    """URLs without a host or with control characters are refused."""
    with pytest.raises(MissingHost):
        check_uri(uri)


def test_signed_url_untouched() -> None:
    """A signed URL comes back byte for byte."""
    uri = "https://cdn.example/c/1700-ab12/t1/v/seg.m4s?token=x%2By&exp=1"
    assert check_uri(uri) is uri


@pytest.mark.parametrize("uri", [
    "http://127.0.0.1:8001/c/1700000000-abcdef/t1/../t2/seg.m4s",
    "http://127.0.0.1:8001/c/1700000000-abcdef/t1/%2e%2e/t2/seg.m4s",
    "http://127.0.0.1:8001/c/1700000000-abcdef/t1/%2E%2E%2Ft2/seg.m4s",
    "http://127.0.0.1:8001/c/1700000000-abcdef/t1/%252e%252e/x",
    "http://127.0.0.1:8001/c/1700000000-abcdef/t1/..%5c..%5csecret",
    "http://127.0.0.1:8001/c/1700000000-abcdef/t2/seg.m4s",
    "http://127.0.0.1:8002/c/1700000000-abcdef/t1/seg.m4s",
    "https://127.0.0.1:8001/c/1700000000-abcdef/t1/seg.m4s",
    "http://evil.example/c/1700000000-abcdef/t1/seg.m4s",
])
def test_escapes_origin(uri: str) -> None:
    """With an origin (downloads), dot segments, other folders and other hosts are refused."""
    with pytest.raises(EscapesOrigin):
        check_uri(uri, origin=ORIGIN)


def test_inside_origin_passes() -> None:
    """A file in a subfolder of the manifest's folder is fine, also with default ports spelled out."""
    assert check_uri("http://127.0.0.1:8001/c/1700000000-abcdef/t1/v0/seg-1.m4s", origin=ORIGIN)
    assert check_uri("http://a.example:80/t/x.m4s", origin="http://A.example/t/m.mpd")


def test_resolve_relative_escape() -> None:
    """A relative reference climbing out of the title folder is refused after resolution."""
    with pytest.raises(EscapesOrigin):
        resolve(ORIGIN, "../../other/secret.mp4", origin=ORIGIN)
    assert resolve(ORIGIN, "v0/init.mp4", origin=ORIGIN).endswith("/t1/v0/init.mp4")


def test_redirect_to_file_refused() -> None:
    """A Location pointing at file: is refused like any other URI."""
    with pytest.raises(RefusedScheme):
        check_redirect("http://a.example/x", "file:///etc/passwd")
    assert check_redirect("http://a.example/x/y", "../z") == "http://a.example/z"


@given(st.text(max_size=80))
def test_any_text_gives_uri_or_our_error(text: str) -> None:
    """No input makes the policy raise anything but UnsafeUriError."""
    try:
        assert check_uri(text, origin=ORIGIN) == text
    except UnsafeUriError:
        pass

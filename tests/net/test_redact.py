"""Redaction: tokens never reach logs."""
from __future__ import annotations

from player.net.redact import redact


def test_path_token_redacted() -> None:
    """Our edges' /c/<exp>-<sig>/ path token is hidden, the rest kept."""
    out = redact("http://127.0.0.1:9/c/1700000000-0123456789abcdef0123456789abcdef/t1/v0/seg-3.m4s")
    assert "0123456789abcdef" not in out and "1700000000" not in out
    assert out == "http://127.0.0.1:9/c/REDACTED/t1/v0/seg-3.m4s"


def test_query_tokens_redacted() -> None:
    """token/sig/signature/exp and cloud signing params are hidden, other params kept."""
    out = redact("https://cdn.example/a.m4s?token=SECRET1&Signature=SECRET2&exp=99&X-Amz-Signature=S3&CMCD=br%3D5&q=1")
    for secret in ("SECRET1", "SECRET2", "=99", "S3"):
        assert secret not in out
    assert "q=1" in out and "CMCD=br%3D5" in out


def test_cdn_token_names_beyond_the_generic_ones_redacted() -> None:
    """Akamai EdgeAuth's default ``__token__``, Wowza's ``wmsAuthSign`` and nginx secure_link's ``md5`` are secrets too."""
    out = redact("https://cdn.example/a.m3u8?__token__=exp%3D1~hmac%3DSECRET1&wmsAuthSign=SECRET2&md5=SECRET3&q=1")
    for secret in ("SECRET1", "SECRET2", "SECRET3"):
        assert secret not in out
    assert out.endswith("&q=1")


def test_userinfo_and_data() -> None:
    """Credentials in the authority and data: payloads are hidden."""
    assert "pw" not in redact("http://user:pw@host/x")
    assert redact("data:text/plain;base64,c2VjcmV0") == "data:REDACTED"


from hypothesis import given, strategies as st  # noqa: E402


@given(st.text(alphabet="0123456789abcdef", min_size=8, max_size=32), st.text(max_size=30))
def test_never_raises_and_never_leaks_path_token(sig: str, tail: str) -> None:
    """Whatever follows, the /c/<exp>-<sig>/ token never survives redaction, and redact never raises."""
    out = redact(f"http://127.0.0.1:1/c/1700000000-{sig}/t/{tail}")
    assert f"1700000000-{sig}" not in out

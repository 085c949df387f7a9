"""CMCD (CTA-5004) query and header encoding."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, strategies as st

from player.net.cmcd import CmcdData, ObjectType, content_id, add_to_url, decode, encode, to_headers

FULL = CmcdData(bitrate_kbps=3200.4, buffer_s=21.349, buffer_starved=True, content_id="t1", duration_s=4.0036,
                throughput_kbps=25449, object_type=ObjectType.VIDEO, session_id="6e2fb550-c457-11e9-bb97-0800200c9a66",
                startup=True, top_bitrate_kbps=6000)


def test_full_payload_order_and_rounding() -> None:
    """Keys alphabetical; bl to 100 ms, mtp to 100 kbps, br/d/tb integers; booleans bare; strings quoted."""
    assert encode(FULL) == ('bl=21300,br=3200,bs,cid="t1",d=4004,mtp=25400,ot=v,'
                            'sid="6e2fb550-c457-11e9-bb97-0800200c9a66",su,tb=6000')


def test_rounding_is_half_up() -> None:
    """Halves round up (not to even): 21.35 s → 21400 ms, 250 kbps → 300, 2.5 kbps → 3."""
    assert encode(CmcdData(buffer_s=21.35, throughput_kbps=250, bitrate_kbps=2.5)) == "bl=21400,br=3,mtp=300"


def test_false_booleans_and_unset_omitted() -> None:
    """False booleans and unset values do not appear; an empty payload adds nothing to the URL."""
    assert encode(CmcdData(object_type=ObjectType.AUDIO)) == "ot=a"
    assert add_to_url("http://h/x.m4s", CmcdData()) == "http://h/x.m4s"


def test_string_escaping() -> None:
    """Quotes and backslashes in strings are backslash-escaped and decode back."""
    data = CmcdData(content_id='a"b\\c')
    assert encode(data) == 'cid="a\\"b\\\\c"'
    assert decode(encode(data))["cid"] == 'a"b\\c'


def test_string_limits() -> None:
    """Strings over 64 chars or non-ASCII are refused."""
    with pytest.raises(ValueError):
        encode(CmcdData(session_id="x" * 65))
    with pytest.raises(ValueError):
        encode(CmcdData(session_id="é"))


def test_query_mode_appends_and_keeps_signed_query() -> None:
    """CMCD= goes after the existing (signed) query, which is kept byte for byte."""
    url = add_to_url("http://h/c/1-ab/t/v/1.m4s?token=a%2Fb", FULL)
    assert url.startswith("http://h/c/1-ab/t/v/1.m4s?token=a%2Fb&CMCD=")
    payload = parse_qs(urlsplit(url).query)["CMCD"][0]
    assert payload == encode(FULL)
    assert "," not in urlsplit(url).query and "=" not in urlsplit(url).query.split("CMCD=")[1]


def test_header_mode_groups() -> None:
    """Header mode spreads keys over the four CMCD headers per CTA-5004 table 1."""
    headers = to_headers(FULL)
    assert headers["CMCD-Object"] == "br=3200,d=4004,ot=v,tb=6000"
    assert headers["CMCD-Request"] == "bl=21300,mtp=25400,su"
    assert headers["CMCD-Session"].startswith('cid="t1",sid=')
    assert headers["CMCD-Status"] == "bs"


@given(st.builds(CmcdData, bitrate_kbps=st.none() | st.floats(0, 1e6), buffer_s=st.none() | st.floats(0, 1e4),
                 buffer_starved=st.booleans(), startup=st.booleans(),
                 session_id=st.none() | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=64),
                 object_type=st.none() | st.sampled_from(list(ObjectType))))
def test_roundtrip(data: CmcdData) -> None:
    """Whatever we encode decodes back to the same keys, sorted, with the right values."""
    decoded = decode(encode(data))
    assert list(decoded) == sorted(decoded)
    assert ("bs" in decoded) == data.buffer_starved and ("su" in decoded) == data.startup
    if data.session_id is not None:
        assert decoded["sid"] == data.session_id
    if data.object_type is not None:
        assert decoded["ot"] == data.object_type.value


def test_content_id_never_carries_a_signed_url() -> None:
    """A URL target becomes a digest (its signature must not reach CDNs or logs); a title id stays."""
    signed = "https://cdn.example/c/1700000000-abcdef/v/manifest.mpd?token=SECRETSECRET"
    cid = content_id(signed)
    assert "SECRET" not in cid and "abcdef" not in cid and len(cid) <= 64
    assert cid == content_id(signed) and cid != content_id(signed.replace("SECRET", "OTHER"))
    assert content_id("big-buck-bunny") == "big-buck-bunny"

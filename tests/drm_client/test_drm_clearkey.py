"""W3C EME ClearKey JSON, PSSH parsing, KID spellings, and the in-memory KeyRing."""
from __future__ import annotations

import copy
import pickle
import struct
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drm_client import KeyRing, KeyUnavailable, MalformedLicense, MalformedPssh
from drm_client.clearkey import (
    CLEARKEY_SYSTEM_ID,
    b64url_decode,
    b64url_encode,
    build_license_request,
    build_pssh,
    clearkey_kids,
    decode_json_object,
    iter_pssh_boxes,
    kid_from,
    kid_hex,
    parse_license_keys,
    parse_pssh,
)

KID = bytes.fromhex("0123456789abcdef0123456789abcdef")
KEY = bytes.fromhex("fedcba9876543210fedcba9876543210")
#: properties, not timings: the box is shared (load 7-28), so a 200 ms per-example deadline failed a
#: correct parser under load; every example is still run and checked
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def response(*entries: dict[str, str], type_: str = "temporary") -> dict[str, object]:
    return {"keys": list(entries), "type": type_}


def jwk(kid: bytes = KID, key: bytes = KEY, kty: str = "oct") -> dict[str, str]:
    return {"kty": kty, "kid": b64url_encode(kid), "k": b64url_encode(key)}


@PROPERTY
@given(st.binary(max_size=64))
def test_b64url_round_trip_without_padding(data: bytes) -> None:
    """base64url encodes without '=' and decodes back to the same bytes."""
    text = b64url_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert b64url_decode(text) == data


def test_b64url_rejects_standard_alphabet() -> None:
    """'+' and '/' (standard base64) are not base64url."""
    with pytest.raises(ValueError):
        b64url_decode("ab+/")


def test_kid_spellings_agree() -> None:
    """Hex, 0x-hex, UUID, base64url and bytes all name the same KID."""
    as_uuid = "01234567-89ab-cdef-0123-456789abcdef"  # cenc:default_KID's spelling
    for spelling in (KID, KID.hex(), "0x" + KID.hex().upper(), as_uuid, uuid.UUID(as_uuid),
                     b64url_encode(KID)):
        assert kid_from(spelling) == KID
    assert kid_hex(KID) == KID.hex()
    with pytest.raises(ValueError):
        kid_from(b"short")


def test_request_body_matches_contract() -> None:
    """The temporary request lists base64url KIDs with the session id."""
    assert build_license_request([KID], session_id="s") == {
        "kids": ["ASNFZ4mrze8BI0VniavN7w"], "type": "temporary", "session_id": "s"}


def test_valid_response_parses() -> None:
    """A well-formed JWK set maps each requested KID to its key."""
    assert parse_license_keys(response(jwk()), [KID], expected_type="temporary") == {KID: KEY}


@pytest.mark.parametrize("bad", [
    {"type": "temporary"},                                             # no keys
    response(jwk(kty="RSA")),                                          # wrong kty
    response(jwk(key=KEY[:8])),                                        # short key
    response(jwk(kid=bytes(16))),                                      # KID not requested
    response(jwk(), jwk(key=bytes(16))),                               # two keys for one KID
    response(jwk(), type_="persistent-license"),                       # wrong session type
    response({"kty": "oct", "kid": "!!", "k": b64url_encode(KEY)}),    # not base64url
])
def test_invalid_responses_are_malformed(bad: dict[str, object]) -> None:
    """Every ClearKey rule violation is MalformedLicense."""
    with pytest.raises(MalformedLicense):
        parse_license_keys(bad, [KID], expected_type="temporary")


def test_missing_requested_kid_is_malformed() -> None:
    """A licence that omits a requested KID is refused."""
    other = bytes(range(16))
    with pytest.raises(MalformedLicense, match="lacks"):
        parse_license_keys(response(jwk()), [KID, other], expected_type="temporary")


def test_pssh_v1_round_trip() -> None:
    """A version-1 ClearKey PSSH built from KIDs parses back to the same KIDs and system."""
    other = bytes(range(16))
    pssh = parse_pssh(build_pssh([KID, other]))
    assert pssh.system_id == CLEARKEY_SYSTEM_ID and pssh.is_clearkey
    assert pssh.version == 1 and pssh.kids == (KID, other) and pssh.data == b""


def test_pssh_v0_has_no_kids() -> None:
    """A version-0 box carries only opaque data (e.g. Widevine) and no KID list."""
    sid = uuid.UUID("edef8ba9-79d6-4ace-a3c8-27dcd51d21ed")
    body = bytes(4) + sid.bytes + struct.pack(">I", 3) + b"abc"
    pssh = parse_pssh(struct.pack(">I", 8 + len(body)) + b"pssh" + body)
    assert (pssh.version, pssh.kids, pssh.data, pssh.is_clearkey) == (0, (), b"abc", False)


def test_pssh_found_inside_moov() -> None:
    """clearkey_kids() finds ClearKey PSSH boxes inside moov of an init segment."""
    ftyp = struct.pack(">I", 16) + b"ftypisom" + bytes(4)
    mvhd = struct.pack(">I", 16) + b"mvhd" + bytes(8)
    pssh = build_pssh([KID])
    moov_body = mvhd + pssh
    init = ftyp + struct.pack(">I", 8 + len(moov_body)) + b"moov" + moov_body
    assert clearkey_kids(init) == [KID]
    assert len(list(iter_pssh_boxes(init))) == 1


@pytest.mark.parametrize("cut", [4, 12, 30, 40])
def test_truncated_pssh_is_malformed(cut: int) -> None:
    """A truncated PSSH box raises MalformedPssh."""
    with pytest.raises(MalformedPssh):
        parse_pssh(build_pssh([KID])[:cut])


@PROPERTY
@given(st.binary(max_size=120))
def test_pssh_parser_raises_only_its_own_error(data: bytes) -> None:
    """Any byte string yields PSSH boxes or MalformedPssh, never another exception."""
    try:
        list(iter_pssh_boxes(data))
    except MalformedPssh:
        pass


def test_key_ring_lookup_and_clear() -> None:
    """key_for returns the key; clear() zeroes the buffer and then KeyUnavailable."""
    ring = KeyRing({KID: KEY})
    assert ring.key_for(KID.hex()) == KEY and KID in ring
    buf = ring._buf  # the one place the keys live
    ring.clear()
    assert bytes(buf) == bytes(len(buf)) and ring.cleared
    with pytest.raises(KeyUnavailable):
        ring.key_for(KID)


def test_key_ring_context_manager_clears() -> None:
    """Leaving a `with ring:` block wipes the keys."""
    with KeyRing({KID: KEY}) as ring:
        assert len(ring) == 1
    assert len(ring) == 0 and bytes(ring._buf) == bytes(16)


def test_key_ring_repr_redacts_and_refuses_pickle() -> None:
    """repr shows KIDs only; pickling and copying are refused."""
    ring = KeyRing({KID: KEY})
    assert KID.hex() in repr(ring)
    assert KEY.hex() not in repr(ring) and b64url_encode(KEY) not in repr(ring)
    with pytest.raises(TypeError):
        pickle.dumps(ring)
    with pytest.raises(TypeError):
        copy.deepcopy(ring)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30)
    | st.sampled_from(["oct", b64url_encode(KID), b64url_encode(KEY), "temporary"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["keys", "kty", "k", "kid", "type", "x"]), inner, max_size=5),
    max_leaves=20)


@PROPERTY
@given(st.dictionaries(st.sampled_from(["keys", "type", "x"]), json_values, max_size=3))
def test_response_parser_raises_only_malformed_license(doc: dict[str, object]) -> None:
    """Any JSON object yields keys for exactly the requested KID or MalformedLicense, nothing else."""
    try:
        keys = parse_license_keys(doc, [KID], expected_type="temporary")
    except MalformedLicense:
        return
    assert keys == {KID: KEY}


@PROPERTY
@given(st.binary(max_size=80))
def test_response_bytes_raise_only_malformed_license(body: bytes) -> None:
    """Arbitrary response bytes never raise a JSON or Unicode error."""
    try:
        parse_license_keys(decode_json_object(body), [KID], expected_type="temporary")
    except MalformedLicense:
        pass

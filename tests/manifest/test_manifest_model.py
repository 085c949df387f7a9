"""Model helpers, strict converters, URI vetting and edition merging."""
from __future__ import annotations

import pytest
from manifest_builders import MPD_URL, simple_mpd, template

from player.manifest import ByteRange, InconsistentEditions, ManifestError, UnsafeManifestUri, merge_presentations, parse_dash
from player.manifest.convert import to_bool, to_duration, to_frame_rate, to_kid
from player.manifest.uris import resolve


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False), ("1", True), ("0", False)])
def test_to_bool_accepts_only_xsd_spellings(text: str, value: bool) -> None:
    """xs:boolean spellings convert; "0" is False."""
    assert to_bool(text, name="x") is value


@pytest.mark.parametrize("text", ["True", "yes", "", "00", "on"])
def test_to_bool_rejects_everything_else(text: str) -> None:
    """Other spellings are reported, not guessed."""
    with pytest.raises(ManifestError):
        to_bool(text, name="x")


@pytest.mark.parametrize(("text", "seconds"), [("PT1H2M3.5S", 3723.5), ("P1DT1S", 86401), ("PT0S", 0), ("PT.5S", 0.5),
                                               ("-PT2S", -2.0), ("PT634.566S", 634.566)])
def test_iso8601_durations(text: str, seconds: float) -> None:
    """ISO 8601 xs:duration values convert to seconds."""
    assert to_duration(text, name="d") == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["P", "PT", "1S", "PT1", "PT1H2", "PTS", "P1S"])
def test_bad_durations_rejected(text: str) -> None:
    """Malformed durations raise ManifestError."""
    with pytest.raises(ManifestError):
        to_duration(text, name="d")


def test_frame_rate_and_kid() -> None:
    """30000/1001 is a fraction; KIDs come from UUID or 0x-hex form and must be 16 bytes."""
    assert to_frame_rate("30000/1001") == pytest.approx(29.97, abs=1e-3)
    assert to_kid("0123456789abcdef0123456789abcdef") == to_kid("0x0123456789ABCDEF0123456789ABCDEF")
    with pytest.raises(ManifestError):
        to_kid("0x0011")
    with pytest.raises(ManifestError):
        to_frame_rate("25/0")


def test_resolve_keeps_signed_paths_and_refuses_schemes() -> None:
    """Relative URIs inherit a token in the manifest path; non-http schemes are refused."""
    base = "http://127.0.0.1:9/c/1700000000-abcdef/t1/master.m3u8"
    assert resolve(base, "v/seg1.m4s?x=1") == "http://127.0.0.1:9/c/1700000000-abcdef/t1/v/seg1.m4s?x=1"
    assert resolve(base, "//other.test/a") == "http://other.test/a"
    for bad in ("file:///etc/passwd", "FILE:/x", "chrome://x", "data:,x"):
        with pytest.raises(ManifestError):
            resolve(base, bad)
    assert resolve(base, "data:,x", allow_data=True) == "data:,x"


def test_resolve_encodes_spaces_and_refuses_control_characters() -> None:
    """ffmpeg writes `seg 000.ts` as it is: encoded like a browser would; escapes are not encoded twice."""
    base = "http://127.0.0.1:9/t/my%20index.m3u8"
    assert resolve(base, "seg 000.ts") == "http://127.0.0.1:9/t/seg%20000.ts"
    assert resolve(base, "a%20b.ts?k=1&v={x}") == "http://127.0.0.1:9/t/a%20b.ts?k=1&v=%7Bx%7D"
    assert resolve(base, "https://bücher.example/seg 1.ts") == "https://bücher.example/seg%201.ts"  # host as written
    for bad in ("seg\t1.ts", "seg\x001.ts", "a\nb.ts"):
        with pytest.raises(UnsafeManifestUri):
            resolve(base, bad)


def test_segment_at_and_ladder_order() -> None:
    """segment_at finds the containing segment; by_bandwidth sorts the ladder low to high."""
    p = parse_dash(simple_mpd(template(attrs='duration="2"')), MPD_URL)
    r = p.renditions()[0]
    assert r.segment_at(0.0).number == 1 and r.segment_at(3.99).number == 2 and r.segment_at(8.0) is None
    assert r.segment_index_at(6.5) == 3
    assert p.video_track().by_bandwidth() == (r,)
    assert ByteRange(100, 50).header() == "bytes=100-149"


def test_merge_rejects_editions_that_do_not_line_up() -> None:
    """Editions with different segment counts cannot be alternatives for the same bytes."""
    a = parse_dash(simple_mpd(template(attrs='duration="2"')), MPD_URL)
    b = parse_dash(simple_mpd(template(attrs='duration="4"')), "https://edge2.test/title/manifest.mpd")
    with pytest.raises(InconsistentEditions):
        merge_presentations([a, b])
    same = parse_dash(simple_mpd(template(attrs='duration="2"')), "https://edge2.test/title/manifest.mpd")
    merged = merge_presentations([a, same])
    assert merged.renditions()[0].segments[0].urls == (
        "https://cdn.example.test/title/seg-1.m4s", "https://edge2.test/title/seg-1.m4s")

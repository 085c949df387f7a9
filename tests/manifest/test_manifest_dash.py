"""DASH features, one small inline MPD each (ISO/IEC 23009-1)."""
from __future__ import annotations

import base64
import uuid

import pytest
from manifest_builders import MPD_URL, aset, mpd, period, rep, simple_mpd, template

from drm_client.clearkey import build_pssh
from player.errors import UnsafeUriError
from player.manifest import ManifestError, Track, UnsafeManifestUri, parse_dash, parse_presentation
from player.track_choice import choose_audio

KID = uuid.UUID("0123456789abcdef0123456789abcdef")


def only_rendition(p):
    (r,) = p.renditions()
    return r


def test_number_template_counts_and_expands_segments() -> None:
    """$Number$ with @duration gives ceil(duration/segment) segments from startNumber, URLs absolute."""
    p = parse_dash(simple_mpd(template(attrs='duration="2" startNumber="5"'), duration="PT7S"), MPD_URL)
    r = only_rendition(p)
    assert [s.number for s in r.segments] == [5, 6, 7, 8]
    assert r.segments[0].urls == ("https://cdn.example.test/title/seg-5.m4s",)
    assert r.init is not None and r.init.urls == ("https://cdn.example.test/title/init-v1.mp4",)
    assert [s.start_s for s in r.segments] == [0.0, 2.0, 4.0, 6.0]
    assert r.segments[-1].duration_s == pytest.approx(1.0), "last segment is cut at the Period end"
    assert p.duration_s == 7.0 and not p.is_live


def test_format_widths_bandwidth_and_dollar_escape() -> None:
    """%0Nd pads $Number$/$Bandwidth$, $RepresentationID$ and $$ are substituted (§5.3.9.4.4)."""
    tpl = template(media="$RepresentationID$/$Bandwidth%08d$/n$Number%05d$$$.m4s", attrs='duration="4"')
    r = only_rendition(parse_dash(simple_mpd(tpl), MPD_URL))
    assert r.segments[1].urls == ("https://cdn.example.test/title/v1/00500000/n00002$.m4s",)


def test_unknown_template_identifier_is_our_error() -> None:
    """An identifier outside Table 16 raises ManifestError instead of leaking into a URL."""
    with pytest.raises(ManifestError, match="SubNumberX"):
        parse_dash(simple_mpd(template(media="s-$SubNumberX$.m4s", attrs='duration="2"')), MPD_URL)


def test_time_template_with_timeline_repeats_and_numbers() -> None:
    """$Time$ follows S@t/@d/@r; $Number$ counts from startNumber across the timeline; PTO shifts start."""
    tl = '<S t="9000" d="1800" r="2"/><S d="900"/><S t="15300" d="1800" r="-1"/>'
    tpl = template(media="t$Time$-n$Number$.m4s", attrs='timescale="900" startNumber="10" presentationTimeOffset="9000"',
                   timeline=tl)
    r = only_rendition(parse_dash(simple_mpd(tpl, duration="PT11S"), MPD_URL))
    names = [s.urls[0].rsplit("/", 1)[1] for s in r.segments]
    assert names[:5] == ["t9000-n10.m4s", "t10800-n11.m4s", "t12600-n12.m4s", "t14400-n13.m4s", "t15300-n14.m4s"]
    # r=-1 repeats until the Period end: 11 s * 900 = 9900 ticks after the PTO -> last start < 18900
    assert names[-1] == "t17100-n15.m4s" and len(names) == 6
    assert r.segments[0].start_s == 0.0 and r.segments[4].start_s == pytest.approx(7.0)
    assert r.segments[3].duration_s == pytest.approx(1.0)


def test_timeline_all_past_a_static_periods_end_starts_at_the_period_start() -> None:
    """No presentationTimeOffset and S@t at 1000 s in a 6 s Period (ffmpeg's -output_ts_offset): the first S@t is the
    offset, so the segments play from 0 (before: cut to the first one, and the play ended after 2 s with exit 0)."""
    tpl = template(media="t$Time$.m4s", attrs='timescale="1000"', timeline='<S t="1000000" d="2000" r="3"/>')
    r = only_rendition(parse_dash(simple_mpd(tpl, duration="PT6S"), MPD_URL))
    assert [(s.start_s, s.urls[0].rsplit("/", 1)[1]) for s in r.segments] == [
        (0.0, "t1000000.m4s"), (2.0, "t1002000.m4s"), (4.0, "t1004000.m4s")]  # the 4th starts at the end: cut


def test_a_timeline_starting_inside_the_period_keeps_its_times() -> None:
    """A first S@t before the Period's end is a real late start, not a missing offset: its times stand."""
    tpl = template(media="t$Time$.m4s", attrs='timescale="1000"', timeline='<S t="4000" d="2000" r="3"/>')
    r = only_rendition(parse_dash(simple_mpd(tpl, duration="PT8S"), MPD_URL))
    assert [s.start_s for s in r.segments] == [4.0, 6.0]


def test_base_urls_at_every_level_and_alternatives() -> None:
    """MPD → Period → AdaptationSet → Representation BaseURLs resolve in turn; two MPD BaseURLs give two urls."""
    body = period(
        aset(rep(children="<BaseURL>v1/</BaseURL>" + template(attrs='duration="4"')), children="<BaseURL>video/</BaseURL>"),
        children="<BaseURL>p0/</BaseURL>")
    doc = mpd(body, mpd_children="<BaseURL>https://edge-a.test/t/</BaseURL><BaseURL>https://edge-b.test/t/</BaseURL>")
    r = only_rendition(parse_dash(doc, MPD_URL))
    assert r.segments[0].urls == ("https://edge-a.test/t/p0/video/v1/seg-1.m4s", "https://edge-b.test/t/p0/video/v1/seg-1.m4s")
    assert r.init is not None and len(r.init.urls) == 2


def test_absolute_base_url_at_a_lower_level_wins() -> None:
    """An absolute Representation BaseURL replaces the document's base (RFC 3986 §5.2)."""
    body = period(aset(rep(children="<BaseURL>https://other.test/x/</BaseURL>" + template(attrs='duration="4"'))))
    r = only_rendition(parse_dash(mpd(body, mpd_children="<BaseURL>https://edge.test/t/</BaseURL>"), MPD_URL))
    assert r.segments[0].urls == ("https://other.test/x/seg-1.m4s",)


def _cp(prefix: str, kid: uuid.UUID, pssh: bytes) -> str:
    return (f'<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cenc" {prefix}:default_KID="{kid}"/>'
            f'<ContentProtection schemeIdUri="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b">'
            f"<{prefix}:pssh>{base64.b64encode(pssh).decode()}</{prefix}:pssh></ContentProtection>")


def test_content_protection_found_under_another_prefix() -> None:
    """default_KID and pssh are read by namespace urn:mpeg:cenc:2013, whatever the prefix is called."""
    box = build_pssh([KID.bytes])
    doc = mpd(period(aset(rep(children=template(attrs='duration="4"')), children=_cp("c", KID, box))),
              extra_ns='xmlns:c="urn:mpeg:cenc:2013"')
    r = only_rendition(parse_dash(doc, MPD_URL))
    assert r.protection is not None
    assert (r.protection.scheme, r.protection.default_kid, r.protection.pssh) == ("cenc", KID.bytes, (box,))
    assert r.segments[0].protection == r.protection


def test_literal_cenc_prefix_bound_elsewhere_is_not_protection_data() -> None:
    """A `cenc:` prefix bound to some other namespace is not mistaken for CENC data."""
    doc = mpd(period(aset(rep(children=template(attrs='duration="4"')),
                          children=_cp("cenc", KID, build_pssh([KID.bytes])))),
              extra_ns='xmlns:cenc="urn:example:not-cenc"')
    prot = only_rendition(parse_dash(doc, MPD_URL)).protection
    assert prot is not None and prot.default_kid is None and prot.pssh == ()


def test_undeclared_cenc_prefix_is_our_error() -> None:
    """An undeclared prefix (malformed XML) raises ManifestError with the line, not ExpatError."""
    doc = mpd(period(aset(rep(children=template(attrs='duration="4"')), children=_cp("cenc", KID, b"x" * 40))))
    with pytest.raises(ManifestError, match="line"):
        parse_dash(doc, MPD_URL)


def test_segment_list_with_ranges() -> None:
    """SegmentList: SegmentURL@mediaRange and Initialization@range become byte ranges on the BaseURL."""
    sl = ('<SegmentList timescale="1000" duration="4000"><Initialization range="0-799"/>'
          '<SegmentURL mediaRange="800-1799"/><SegmentURL mediaRange="1800-2499"/></SegmentList>')
    r = only_rendition(parse_dash(mpd(period(aset(rep(children="<BaseURL>v.mp4</BaseURL>" + sl)))), MPD_URL))
    assert r.init is not None and (r.init.byte_range.start, r.init.byte_range.length) == (0, 800)
    assert [(s.byte_range.start, s.byte_range.end) for s in r.segments] == [(800, 1799), (1800, 2499)]
    assert r.segments[1].urls == ("https://cdn.example.test/title/v.mp4",) and r.segments[1].start_s == 4.0


def test_segment_base_leaves_index_to_resolve() -> None:
    """SegmentBase@indexRange gives Rendition.index (the sidx range) and the init range, no segments yet."""
    sb = '<SegmentBase indexRange="1000-1099"><Initialization range="0-999"/></SegmentBase>'
    r = only_rendition(parse_dash(mpd(period(aset(rep(children="<BaseURL>v.mp4</BaseURL>" + sb)))), MPD_URL))
    assert r.segments == () and r.index is not None
    assert r.index.byte_range.header() == "bytes=1000-1099" and r.init.byte_range.header() == "bytes=0-999"


def test_multi_period_vod_timeline() -> None:
    """Period starts follow @start or the previous end; segment times are on the presentation timeline."""
    tpl = rep(children=template(attrs='duration="2"'))
    body = period(aset(tpl), attrs='id="a" duration="PT4S"') + period(aset(tpl), attrs='id="b"')
    p = parse_dash(mpd(body, duration="PT10S"), MPD_URL)
    assert [(x.id, x.start_s, x.duration_s) for x in p.periods] == [("a", 0.0, 4.0), ("b", 4.0, 6.0)]
    second = p.periods[1].tracks[0].renditions[0]
    assert [s.start_s for s in second.segments] == [4.0, 6.0, 8.0]


def test_text_track_as_one_whole_file() -> None:
    """A subtitle AdaptationSet with only a BaseURL is one segment covering the Period."""
    text = aset('<Representation id="en" bandwidth="100"><BaseURL>subs/en.vtt</BaseURL></Representation>',
                attrs='mimeType="text/vtt" lang="en"')
    p = parse_dash(mpd(period(text)), MPD_URL)
    (track,) = p.text_tracks()
    assert track.language == "en"
    (s,) = track.renditions[0].segments
    assert s.urls == ("https://cdn.example.test/title/subs/en.vtt",) and s.duration_s == 8.0


def test_live_mpd_parses_as_live() -> None:
    """A dynamic MPD parses with is_live=True (playback of live may come later)."""
    p = parse_dash(simple_mpd(template(attrs='duration="2"'), mpd_type="dynamic", duration=None), MPD_URL)
    assert p.is_live and p.duration_s is None and p.video_track() is not None


@pytest.mark.parametrize("base", ["file:///etc/", "ftp://x.test/", "javascript:alert(1)//", "gopher://x/"])
def test_hostile_base_url_refused(base: str) -> None:
    """A BaseURL with a non-http(s) scheme raises UnsafeManifestUri (a ManifestError and an UnsafeUriError)."""
    doc = mpd(period(aset(rep(children=template(attrs='duration="4"')))), mpd_children=f"<BaseURL>{base}</BaseURL>")
    with pytest.raises(UnsafeManifestUri) as info:
        parse_dash(doc, MPD_URL)
    assert isinstance(info.value, ManifestError) and isinstance(info.value, UnsafeUriError)


@pytest.mark.parametrize("text", ["/etc/passwd", "http://127.0.0.1:1/x.mpd", "file:///etc/hostname", "data"])
def test_text_is_never_opened_as_url_or_path(text: str) -> None:
    """Manifest text that looks like a path or URL is parsed (and refused), never opened or fetched."""
    with pytest.raises(ManifestError):
        parse_dash(text, MPD_URL)
    with pytest.raises(ManifestError):
        parse_presentation(text.encode(), MPD_URL)


def test_entity_expansion_bomb_is_refused() -> None:
    """A billion-laughs DOCTYPE ends as ManifestError (expat's amplification limit), not memory exhaustion."""
    ents = '<!ENTITY a0 "xxxxxxxxxxxxxxxx">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 16}">' for i in range(1, 9))
    doc = f'<?xml version="1.0"?><!DOCTYPE MPD [{ents}]><MPD xmlns="urn:mpeg:dash:schema:mpd:2011">&a8;</MPD>'
    with pytest.raises(ManifestError):
        parse_dash(doc, MPD_URL)


def _video_set(rid: str, bandwidth: int, *, height: int = 360, props: str = "", roles: str = "",
               codecs: str = "avc1.64001e") -> str:
    return aset(rep(rid, bandwidth, attrs=f'width="640" height="{height}" codecs="{codecs}"',
                    children=template(attrs='duration="2"')), children=props + roles)


def test_trick_mode_and_unknown_essential_properties_are_not_played() -> None:
    """§5.8.4.8: a set whose EssentialProperty is not understood is ignored; a trick-mode set (Shaka Packager's
    ``trick_play_factor``, listed first) is understood and not played; a colour description is understood."""
    trick = '<EssentialProperty schemeIdUri="http://dashif.org/guidelines/trickmode" value="1"/>'
    tiles = '<EssentialProperty schemeIdUri="urn:mpeg:dash:srd:2014" value="0,0,0,1,1"/>'
    hdr = '<EssentialProperty schemeIdUri="urn:mpeg:mpegB:cicp:TransferCharacteristics" value="16"/>'
    doc = mpd(period(_video_set("trick", 40_000, props=trick) + _video_set("tile", 90_000, props=tiles)
                     + _video_set("hdr", 900_000, props=hdr)))
    video = parse_dash(doc, MPD_URL).video_track()
    assert video is not None and [r.id for r in video.renditions] == ["hdr"]


def test_video_sets_of_one_ladder_are_one_track_and_other_roles_stay_apart() -> None:
    """ffmpeg's DASH muxer writes a set per stream: sets with the same roles and language join one ladder;
    an alternate angle stays a track of its own."""
    alternate = '<Role schemeIdUri="urn:mpeg:dash:role:2011" value="alternate"/>'
    main = '<Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>'
    doc = mpd(period(_video_set("lo", 300_000, height=180) + _video_set("hi", 800_000, roles=main)
                     + _video_set("angle", 800_000, roles=alternate)))
    tracks = parse_dash(doc, MPD_URL).tracks_of("video")
    assert [[r.id for r in t.renditions] for t in tracks] == [["lo", "hi"], ["angle"]]


def test_the_main_role_marks_the_default_audio() -> None:
    """DASH Role "main" is the audio that plays when none is asked, wherever it is listed."""
    main = '<Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>'
    tpl = template(attrs='duration="2"')
    audio = 'contentType="audio" mimeType="audio/mp4"'
    doc = mpd(period(aset(rep("de", 64_000, attrs='codecs="mp4a.40.2"', children=tpl), attrs=f'{audio} lang="de"')
                     + aset(rep("en", 64_000, attrs='codecs="mp4a.40.2"', children=tpl), attrs=f'{audio} lang="en"',
                            children=main)))
    presentation = parse_dash(doc, MPD_URL)
    assert [t.default for t in presentation.audio_tracks()] == [False, True]
    assert (choose_audio(presentation, None) or Track(kind="audio")).language == "en"


@pytest.mark.parametrize("page", [
    b'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>a&nbsp;b</body></html>',
    "\ufeff  <html><body><p>Access Denied<br></body></html>",
    b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
])
def test_a_web_page_where_an_mpd_should_be_is_named_as_one(page: str | bytes) -> None:
    """An error or sign-in page is named as a web page, not as malformed XML (most are not well-formed)."""
    with pytest.raises(ManifestError, match=r"web page \(HTML\), not a manifest"):
        parse_presentation(page, "https://cdn.example/x.mpd")

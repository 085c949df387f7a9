"""Timelines and outside licences in the model: discontinuity sequences, EXT-X-GAP, joined Periods, licence URLs."""
from __future__ import annotations

from manifest_builders import MEDIA_URL, MPD_URL, aset, media_playlist, mpd, period, rep, seg, template

from player.manifest import parse_dash, parse_media
from player.manifest.periods import single_timeline

CLEARKEY = "urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e"


def test_discontinuities_number_the_timelines() -> None:
    """Each EXT-X-DISCONTINUITY starts the next timeline, counted from EXT-X-DISCONTINUITY-SEQUENCE."""
    text = media_playlist(seg("a.ts"), seg("b.ts", before="#EXT-X-DISCONTINUITY\n"), seg("c.ts"),
                          seg("d.ts", before="#EXT-X-DISCONTINUITY\n"), header="#EXT-X-DISCONTINUITY-SEQUENCE:7\n")
    segments = parse_media(text, MEDIA_URL).segments
    assert [s.timeline for s in segments] == [7, 8, 8, 9]
    assert [s.discontinuity for s in segments] == [False, True, False, True]


def test_gap_segments_stay_on_the_timeline_marked() -> None:
    """An EXT-X-GAP segment keeps its place (the duration stays whole) and says it is a gap."""
    segments = parse_media(media_playlist(seg("a.ts"), seg("b.ts", before="#EXT-X-GAP\n"), seg("c.ts")), MEDIA_URL).segments
    assert [(s.start_s, s.gap) for s in segments] == [(0.0, False), (4.0, True), (8.0, False)]


def test_hls_w3c_clearkey_names_the_licence_server() -> None:
    """KEYFORMAT="org.w3.clearkey": URI is the licence server (resolved), KEYID the KID."""
    key = ('#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1",'
           'KEYID=0x0123456789abcdef0123456789abcdef,URI="../licence"\n')
    protection = parse_media(media_playlist(seg("a.m4s"), header=key), MEDIA_URL).segments[0].protection
    assert protection is not None
    assert protection.license_url == "https://cdn.example.test/title/licence"
    assert protection.default_kid == bytes.fromhex("0123456789abcdef0123456789abcdef")
    assert protection.scheme == "cenc" and protection.key_uri is None


def test_dash_laurl_in_both_spellings() -> None:
    """dashif:laurl and the older clearkey:Laurl both give the licence URL, resolved against the MPD."""
    for element in ('<dashif:laurl xmlns:dashif="https://dashif.org/CPS">lic/a</dashif:laurl>',
                    '<ck:Laurl xmlns:ck="http://dashif.org/guidelines/clearKey" Lic_type="EME-1.0">lic/a</ck:Laurl>'):
        cp = f'<ContentProtection schemeIdUri="{CLEARKEY}" value="ClearKey1.0">{element}</ContentProtection>'
        tpl = template(attrs='duration="4" timescale="1"')
        presentation = parse_dash(mpd(period(aset(rep(children=tpl), children=cp))), MPD_URL)
        protection = presentation.renditions()[0].protection
        assert protection is not None and protection.license_url == "https://cdn.example.test/title/lic/a"


def test_periods_join_into_one_timeline_in_order() -> None:
    """Two Periods → one: segments in order, each with its own Period's init and the Period index as timeline."""
    tpl = template(attrs='duration="2" timescale="1"')
    body = (period(aset(rep("lo", 300000, children=tpl) + rep("hi", 900000, children=tpl)), attrs='id="a" start="PT0S"')
            + period(aset(rep("only", 500000, children=tpl)), attrs='id="b" start="PT4S"'))
    joined = single_timeline(parse_dash(mpd(body, duration="PT8S"), MPD_URL))
    assert len(joined.periods) == 1
    ladder = joined.video_track().by_bandwidth()  # type: ignore[union-attr]
    assert [r.id for r in ladder] == ["lo", "hi"]
    for rendition in ladder:
        assert [s.start_s for s in rendition.segments] == [0.0, 2.0, 4.0, 6.0]
        assert [s.timeline for s in rendition.segments] == [0, 0, 1, 1]
    assert ladder[1].segments[0].init.urls[0].endswith("init-hi.mp4")  # type: ignore[union-attr]
    assert ladder[1].segments[2].init.urls[0].endswith("init-only.mp4")  # type: ignore[union-attr]

"""Timelines and outside licences in the model: discontinuity sequences, EXT-X-GAP, joined Periods, licence URLs."""
from __future__ import annotations

from manifest_builders import MEDIA_URL, MPD_URL, aset, media_playlist, mpd, period, rep, seg, template

from player.manifest import parse_dash, parse_media
from player.completeness import kind_ends
from player.manifest.periods import codec_family, single_timeline, stream_parts

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
        assert [s.period_end_s for s in rendition.segments] == [4.0, 4.0, None, None]  # media past 4 s is cut
        assert [s.period_start_s for s in rendition.segments] == [None, None, 4.0, 4.0]  # and before 4 s
    assert ladder[1].segments[0].init.urls[0].endswith("init-hi.mp4")  # type: ignore[union-attr]
    assert ladder[1].segments[2].init.urls[0].endswith("init-only.mp4")  # type: ignore[union-attr]


def _audio(rid: str, tpl: str, codecs: str = "mp4a.40.2") -> str:
    return aset(rep(rid, 64000, attrs=f'codecs="{codecs}"', children=tpl), attrs='mimeType="audio/mp4" contentType="audio"')


def test_stream_parts_cut_where_the_codec_family_or_the_track_set_changes() -> None:
    """Same families and tracks: one part; H.264 → HEVC, or audio dropped then added back: a new part each time.
    A profile or level change inside a family (avc1.42 → avc1.64) is no cut."""
    tpl = template(attrs='duration="2" timescale="1"')
    hevc = rep("h", attrs='width="640" height="360" codecs="hvc1.1.6.L93.B0"', children=tpl)
    body = (period(aset(rep("a", attrs='codecs="avc1.42c01e"', children=tpl)) + _audio("x", tpl), attrs='id="a" start="PT0S"')
            + period(aset(rep("b", children=tpl)) + _audio("y", tpl), attrs='id="b" start="PT4S"')
            + period(aset(hevc) + _audio("z", tpl), attrs='id="c" start="PT8S"')
            + period(aset(rep("d", children=tpl)), attrs='id="d" start="PT12S"')
            + period(aset(rep("e", children=tpl)) + _audio("w", tpl), attrs='id="e" start="PT16S"'))
    parts = stream_parts(parse_dash(mpd(body, duration="PT20S"), MPD_URL))
    assert [(p.first_timeline, p.start_s, sorted(p.kinds)) for p in parts] == [
        (0, 0.0, ["audio", "video"]), (2, 8.0, ["audio", "video"]), (3, 12.0, ["video"]), (4, 16.0, ["audio", "video"])]
    assert parts[0].last_starts == {"video": 6.0, "audio": 6.0}  # the last segment of Period b
    assert kind_ends(parts, 20.0) == {"video": 20.0, "audio": 20.0}
    assert kind_ends(parts[:3], 16.0) == {"video": 16.0, "audio": 12.0}  # audio ends with the Period before the last


def test_a_track_only_a_later_period_has_is_joined() -> None:
    """Period a is silent, Period b has audio: the joined presentation has an audio track with b's segments."""
    tpl = template(attrs='duration="2" timescale="1"')
    body = (period(aset(rep("v", children=tpl)), attrs='id="a" start="PT0S"')
            + period(aset(rep("v", children=tpl)) + _audio("x", tpl), attrs='id="b" start="PT4S"'))
    joined = single_timeline(parse_dash(mpd(body, duration="PT8S"), MPD_URL))
    audio = joined.audio_tracks()[0].renditions[0]
    assert [(s.start_s, s.timeline) for s in audio.segments] == [(4.0, 1), (6.0, 1)]


def _text(rid: str, tpl: str, lang: str, mime: str = "text/vtt", codecs: str = "") -> str:
    attrs = f'mimeType="{mime}"' + (f' codecs="{codecs}"' if codecs else "")
    return aset(rep(rid, 256, attrs=attrs, children=tpl), attrs=f'contentType="text" lang="{lang}"')


def test_subtitles_join_by_language_and_format_and_an_ad_period_without_them_shows_none() -> None:
    """English WebVTT in the programme's Periods a and c, none in the ad Period b, which has German: the joined English
    track has a's and c's segments only (no German stand-in), each with its Period's offset; a's TTML track does not
    continue into c's WebVTT; German, only in b, is a track of its own."""
    tpl = template(attrs='duration="2" timescale="1"')
    video = aset(rep("v", children=tpl))
    body = (period(video + _text("en-a", tpl, "en") + _text("ttml-a", tpl, "en", "application/mp4", "stpp"),
                   attrs='id="a" start="PT0S"')
            + period(video + _text("de-b", tpl, "de"), attrs='id="b" start="PT4S"')
            + period(video + _text("en-c", tpl, "en"), attrs='id="c" start="PT8S"'))
    joined = single_timeline(parse_dash(mpd(body, duration="PT12S"), MPD_URL))
    texts = {(t.language, t.renditions[0].codecs): t.renditions[0] for t in joined.text_tracks()}
    assert set(texts) == {("en", None), ("en", "stpp"), ("de", None)}
    english = texts["en", None]
    assert [(s.start_s, s.timeline, s.media_offset_s) for s in english.segments] == [
        (0.0, 0, 0.0), (2.0, 0, 0.0), (8.0, 2, 8.0), (10.0, 2, 8.0)]
    assert [s.start_s for s in texts["en", "stpp"].segments] == [0.0, 2.0]
    assert [s.start_s for s in texts["de", None].segments] == [4.0, 6.0]


def test_codec_family_of_rfc6381_values() -> None:
    """The sample entry decides the family; MP3 in MP4 is mp4a with its object type (0x6B, or 40.34)."""
    assert [codec_family(c) for c in ("avc3.640028", "hev1.1.6.L93", "vp09.00.10.08", "av01.0.04M.08", "mp4a.40.2",
                                      "mp4a.6B", "mp4a.40.34", "fLaC", "ec-3", "Opus", "stpp", None)] == [
        "h264", "hevc", "vp9", "av1", "aac", "mp3", "mp3", "flac", "eac3", "opus", None, None]

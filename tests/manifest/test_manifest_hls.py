"""HLS features, one small inline playlist each (RFC 8216 / rfc8216bis)."""
from __future__ import annotations

import base64
import uuid

import pytest
from manifest_builders import M3U8_URL, MEDIA_URL, media_playlist, seg
from manifest_checks import check_presentation

from drm_client.clearkey import build_pssh
from player.errors import UnsafeUriError
from player.manifest import (ManifestError, Track, UnsafeManifestUri, parse_hls, parse_master, parse_media,
                             presentation_from_master)
from player.track_choice import choose_audio

KID = uuid.UUID("00112233445566778899aabbccddeeff").bytes

MASTER = """#EXTM3U
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",LANGUAGE="en",DEFAULT=YES,URI="audio/en.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Deutsch",LANGUAGE="de",URI="audio/de.m3u8"
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",URI="subs/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aac",SUBTITLES="subs",FRAME-RATE=29.970
https://edge-a.test/t/720/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aac",SUBTITLES="subs"
360/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aac",SUBTITLES="subs",FRAME-RATE=29.970
https://edge-b.test/t/720/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=80000,URI="iframes.m3u8"
"""


def _media(base: str, n: int = 3, ext: str = "m4s") -> str:
    return media_playlist(*(seg(f"{base}seg{i}.{ext}") for i in range(n)), header='#EXT-X-MAP:URI="init.mp4"\n')


def test_master_with_media_playlists_builds_tracks() -> None:
    """Variants → video ladder, EXT-X-MEDIA → audio/text tracks, I-frame playlists ignored."""
    master = parse_master(MASTER, M3U8_URL)
    assert "https://cdn.example.test/title/iframes.m3u8" not in master.playlist_urls()
    media = {u: parse_media(_media("", ext="vtt" if "subs" in u else "m4s"), u) for u in master.playlist_urls()}
    p = presentation_from_master(master, media)
    video = p.video_track()
    assert [r.bandwidth for r in video.by_bandwidth()] == [400000, 1200000]
    low = video.by_bandwidth()[0]
    assert (low.width, low.height, low.audio_group, low.mime_type) == (640, 360, "aac", "video/mp4")
    assert low.segments[0].urls == ("https://cdn.example.test/title/360/seg0.m4s",)
    assert [(t.language, t.label) for t in p.audio_tracks()] == [("en", "English"), ("de", "Deutsch")]
    assert p.audio_tracks()[0].renditions[0].codecs == "mp4a.40.2"
    (subs,) = p.text_tracks()
    assert subs.renditions[0].segments[0].urls == ("https://cdn.example.test/title/subs/seg0.vtt",)
    assert p.duration_s == 12.0 and not p.is_live


def test_redundant_variants_become_alternative_urls() -> None:
    """Two STREAM-INF with the same BANDWIDTH/RESOLUTION/CODECS are one rendition with two URLs per segment."""
    master = parse_master(MASTER, M3U8_URL)
    media = {u: parse_media(_media(""), u) for u in master.playlist_urls()}
    high = presentation_from_master(master, media).video_track().by_bandwidth()[1]
    assert high.playlist_urls == ("https://edge-a.test/t/720/index.m3u8", "https://edge-b.test/t/720/index.m3u8")
    assert high.segments[2].urls == ("https://edge-a.test/t/720/seg2.m4s", "https://edge-b.test/t/720/seg2.m4s")
    assert high.init.urls == ("https://edge-a.test/t/720/init.mp4", "https://edge-b.test/t/720/init.mp4")
    assert high.segments[0].init is high.init


def test_a_gap_in_one_redundant_copy_takes_the_other_copys_segment_alone() -> None:
    """Edge A's encoder failed at seg1 and edge B's at seg2 (EXT-X-GAP, RFC 8216bis §6.3.3): each of those segments is
    the other edge's URL alone, not a gap, and the gap's URL is never a failover target; seg0 keeps both."""
    master = parse_master(MASTER, M3U8_URL)

    def playlist(url: str) -> str:
        failed = 1 if "edge-a" in url else 2 if "edge-b" in url else None
        return media_playlist(*(seg(f"seg{i}.m4s", before="#EXT-X-GAP\n" if i == failed else "") for i in range(3)),
                              header='#EXT-X-MAP:URI="init.mp4"\n')

    media = {u: parse_media(playlist(u), u) for u in master.playlist_urls()}
    high = presentation_from_master(master, media).video_track().by_bandwidth()[1]
    assert [s.gap for s in high.segments] == [False, False, False]
    assert [s.urls for s in high.segments[1:]] == [("https://edge-b.test/t/720/seg1.m4s",),
                                                   ("https://edge-a.test/t/720/seg2.m4s",)]
    assert len(high.segments[0].urls) == 2


def test_master_alone_lists_renditions_without_segments() -> None:
    """parse_hls on a master gives the renditions with their playlist URLs and empty segment lists."""
    p = parse_hls(MASTER, M3U8_URL)
    assert all(r.segments == () and r.playlist_urls for r in p.renditions())
    assert len(p.video_track().renditions) == 2


def test_byte_ranges_with_implicit_offsets_and_map_range() -> None:
    """EXT-X-BYTERANGE without @o continues after the previous range of the same resource (§4.4.4.2)."""
    text = media_playlist(
        seg("all.mp4", before="#EXT-X-BYTERANGE:1000@720\n"),
        seg("all.mp4", before="#EXT-X-BYTERANGE:500\n"),
        seg("all.mp4", before="#EXT-X-BYTERANGE:300\n"),
        header='#EXT-X-MAP:URI="all.mp4",BYTERANGE="720@0"\n')
    r = parse_hls(text, MEDIA_URL).renditions()[0]
    assert [(s.byte_range.start, s.byte_range.length) for s in r.segments] == [(720, 1000), (1720, 500), (2220, 300)]
    assert r.init.byte_range == (0, 720) and r.init.urls == ("https://cdn.example.test/title/video/all.mp4",)


def test_aes128_key_and_default_iv() -> None:
    """AES-128: key URI resolved; without IV the IV is the media sequence number (§5.2); explicit IV kept."""
    text = media_playlist(seg("a.ts"), seg("b.ts", before='#EXT-X-KEY:METHOD=AES-128,URI="k2.bin",IV=0x0102\n'),
                          header='#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-KEY:METHOD=AES-128,URI="../keys/k1.bin"\n')
    r = parse_hls(text, MEDIA_URL).renditions()[0]
    first, second = r.segments
    assert first.protection.scheme == "aes-128" and first.protection.key_uri == "https://cdn.example.test/title/keys/k1.bin"
    assert first.protection.iv_for(first) == (7).to_bytes(16, "big")
    assert second.protection.iv_for(second) == bytes(14) + b"\x01\x02"
    assert r.protection is first.protection and r.mime_type == "video/mp2t"


def test_sample_aes_ctr_clearkey_data_uri_pssh() -> None:
    """Our backend's SAMPLE-AES-CTR + ClearKey KEYFORMAT data: URI yields the PSSH box and the KID."""
    box = build_pssh([KID])
    key = ('#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b",'
           f'KEYFORMATVERSIONS="1",URI="data:text/plain;base64,{base64.b64encode(box).decode()}",KEYID=0x{KID.hex()}\n')
    p = parse_hls(media_playlist(seg("s0.m4s"), header='#EXT-X-MAP:URI="init.mp4"\n' + key), MEDIA_URL)
    prot = p.renditions()[0].protection
    assert (prot.scheme, prot.default_kid, prot.pssh) == ("cenc", KID, (box,))
    assert p.default_kids() == (KID,)


def test_method_none_clears_the_key() -> None:
    """METHOD=NONE makes the following segments clear again."""
    text = media_playlist(seg("a.ts"), seg("b.ts", before="#EXT-X-KEY:METHOD=NONE\n"),
                          header='#EXT-X-KEY:METHOD=AES-128,URI="k.bin"\n')
    a, b = parse_hls(text, MEDIA_URL).renditions()[0].segments
    assert a.protection is not None and b.protection is None


def test_define_substitutes_value_import_and_queryparam() -> None:
    """EXT-X-DEFINE NAME/VALUE, IMPORT from the master and QUERYPARAM from the URL are substituted (§4.4.2.3)."""
    master = parse_master('#EXTM3U\n#EXT-X-DEFINE:NAME="host",VALUE="https://cdn2.test"\n'
                          '#EXT-X-STREAM-INF:BANDWIDTH=1\n{$host}/v.m3u8\n', M3U8_URL)
    assert master.variants[0].uri == "https://cdn2.test/v.m3u8"
    text = ('#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-DEFINE:IMPORT="host"\n#EXT-X-DEFINE:QUERYPARAM="tok"\n'
            '#EXT-X-DEFINE:NAME="dir",VALUE="p1"\n#EXTINF:4,\n{$host}/{$dir}/s.m4s?t={$tok}\n#EXT-X-ENDLIST\n')
    pl = parse_media(text, "https://cdn2.test/v.m3u8?tok=abc", variables=master.variables)
    assert pl.segments[0].urls == ("https://cdn2.test/p1/s.m4s?t=abc",)


@pytest.mark.parametrize("line", ['#EXT-X-DEFINE:IMPORT="nope"\n', '#EXT-X-DEFINE:QUERYPARAM="nope"\n', ""])
def test_undefined_variable_is_an_error(line: str) -> None:
    """A reference to a variable that was never defined (or cannot be imported) is a ManifestError."""
    text = f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n{line}#EXTINF:4,\n{{$nope}}.ts\n#EXT-X-ENDLIST\n"
    with pytest.raises(ManifestError):
        parse_media(text, MEDIA_URL)


def test_live_playlist_and_ll_hls_parts() -> None:
    """No ENDLIST → live; LL-HLS parts and preload hints do not become segments."""
    text = media_playlist(seg("s1.m4s"), seg("s2.m4s"),
                          '#EXT-X-PART:DURATION=1.0,URI="s3.p0.m4s"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s3.p1.m4s"\n',
                          header="#EXT-X-MEDIA-SEQUENCE:100\n", endlist=False)
    p = parse_hls(text, MEDIA_URL)
    r = p.renditions()[0]
    assert p.is_live and p.duration_s is None
    assert [s.number for s in r.segments] == [100, 101]
    assert r.segment_at(5.0).number == 101


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "data:video/mp2t;base64,AAAA", "javascript:alert(1)",
                                 "smb://host/share/s.ts", "seg\t1.ts"])
def test_hostile_segment_uris_refused(uri: str) -> None:
    """Segment URIs with refused schemes (data: included: no spec allows it here) raise UnsafeManifestUri."""
    with pytest.raises(UnsafeManifestUri) as info:
        parse_hls(media_playlist(seg(uri)), MEDIA_URL)
    assert isinstance(info.value, UnsafeUriError)


def test_hostile_key_and_variant_uris_refused() -> None:
    """A file: key URI and a file: variant are refused just like segments."""
    with pytest.raises(UnsafeManifestUri):
        parse_hls(media_playlist(seg("a.ts"), header='#EXT-X-KEY:METHOD=AES-128,URI="file:///k"\n'), MEDIA_URL)
    with pytest.raises(UnsafeManifestUri):
        parse_hls("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nfile:///etc/v.m3u8\n", M3U8_URL)


@pytest.mark.parametrize("text", [
    '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS="avc1\nv.m3u8\n',   # unterminated quote
    "#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\nv.m3u8\n",              # no BANDWIDTH
    "#EXTM3U\n#EXT-X-TARGETDURATION:4\nseg.ts\n",                         # URI without EXTINF
    "#EXTM3U\n#EXTINF:abc,\nseg.ts\n",                                    # bad duration
    "not a playlist",
    "",
])
def test_malformed_playlists_are_our_error(text: str) -> None:
    """Malformed playlists raise ManifestError (m3u8 raises KeyError/TypeError/ValueError on these)."""
    with pytest.raises(ManifestError):
        parse_hls(text, M3U8_URL)


def test_audio_only_variant_beside_video_is_not_a_rung() -> None:
    """ffmpeg's var_stream_map lists its audio group also as an audio-only variant: not a video rung."""
    text = """#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio_2",DEFAULT=YES,URI="s2.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=892624,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aud"
s0.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=369232,RESOLUTION=320x180,CODECS="avc1.64000d,mp4a.40.2",AUDIO="aud"
s1.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=78750,CODECS="mp4a.40.2",AUDIO="aud"
s2.m3u8
"""
    master = parse_master(text, M3U8_URL)
    media = {u: parse_media(_media(""), u) for u in master.playlist_urls()}
    p = presentation_from_master(master, media)
    assert [r.bandwidth for r in p.video_track().by_bandwidth()] == [369232, 892624]
    assert [t.label for t in p.audio_tracks()] == ["audio_2"]


def test_the_default_audio_rendition_is_what_plays_when_none_is_asked() -> None:
    """RFC 8216 §4.4.6.1: DEFAULT=YES, not the first listed, plays absent a choice; ``--audio`` still wins."""
    master = ('#EXTM3U\n'
              '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="Deutsch",LANGUAGE="de",DEFAULT=NO,URI="de.m3u8"\n'
              '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="English",LANGUAGE="en",DEFAULT=YES,URI="en.m3u8"\n'
              '#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS="avc1.64001e,mp4a.40.2",AUDIO="a"\nv.m3u8\n')
    media = {u: parse_media(media_playlist(seg("s.ts")), f"https://cdn.example.test/title/{u}") for u in ("de.m3u8", "en.m3u8", "v.m3u8")}
    presentation = presentation_from_master(parse_master(master, M3U8_URL), media)
    assert [t.default for t in presentation.audio_tracks()] == [False, True]
    assert (choose_audio(presentation, None) or Track(kind="audio")).language == "en"
    assert (choose_audio(presentation, "de") or Track(kind="audio")).language == "de"


def test_an_hls_uri_with_dollar_signs_is_literal_text() -> None:
    """HLS has no URL templates: ``$Number$`` in a segment URI is characters, kept (the space percent-encoded).
    Hypothesis found the fuzz invariant treating it as an unexpanded DASH template."""
    p = parse_hls(media_playlist(seg('media="$Number$"video-070.ts')), MEDIA_URL)
    (r,) = p.renditions()
    assert r.segments[0].urls == ("https://cdn.example.test/title/video/media=%22$Number$%22video-070.ts",)
    check_presentation(p)

"""Property tests: any input gives a model or ManifestError; parsing is deterministic."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from manifest_builders import M3U8_URL, MEDIA_URL, MPD_URL, media_playlist, seg, simple_mpd, template
from manifest_checks import check_presentation

from player.manifest import ManifestError, Presentation, parse_dash, parse_hls, parse_presentation

sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
CORPUS = next((p for p in (Path(__file__).resolve().parents[3] / "shared" / "manifest-corpus",
                           Path("/work/shared/manifest-corpus")) if (p / "index.json").is_file()), None)
FILES = [CORPUS / e["file"] for e in json.loads((CORPUS / "index.json").read_text())] if CORPUS else []
# REELBOX_FUZZ_EXAMPLES raises the budget for a long local run; CI keeps the fast default.
FUZZ = settings(max_examples=int(os.environ.get("REELBOX_FUZZ_EXAMPLES", "100")), deadline=None, suppress_health_check=[HealthCheck.too_slow])

HLS_WORDS = ["#EXTM3U", "#EXTINF:", "#EXT-X-STREAM-INF:", "#EXT-X-MEDIA:", "#EXT-X-KEY:", "#EXT-X-MAP:",
             "#EXT-X-BYTERANGE:", "#EXT-X-DEFINE:", "#EXT-X-ENDLIST", "#EXT-X-TARGETDURATION:", "#EXT-X-SKIP:",
             "BANDWIDTH=", "URI=", '"', ",", "@", "=", "{$", "}", "METHOD=AES-128", "METHOD=SAMPLE-AES-CTR",
             "KEYFORMAT=", "NAME=", "VALUE=", "IMPORT=", "TYPE=AUDIO", "GROUP-ID=", "RESOLUTION=", "1x1", "10",
             "-1", "0x00", "seg.ts", "file:///x", "data:,x", "http://h/", "\n", "\r\n", " "]
MPD_WORDS = ["<MPD", "</MPD>", "<Period", "</Period>", "<AdaptationSet", "</AdaptationSet>", "<Representation",
             "</Representation>", "<SegmentTemplate", "<SegmentTimeline>", "<S", "</SegmentTimeline>",
             "<BaseURL>", "</BaseURL>", "<SegmentBase", "<SegmentList", "<SegmentURL", " id=\"1\"", " t=\"0\"",
             " d=\"2\"", " r=\"-1\"", " duration=\"2\"", " timescale=\"0\"", " media=\"$Number$\"",
             " media=\"$Time%05d$\"", " bandwidth=\"1\"", " mediaPresentationDuration=\"PT4S\"", " type=\"dynamic\"",
             ' xmlns="urn:mpeg:dash:schema:mpd:2011"', ' xmlns:c="urn:mpeg:cenc:2013"', " c:default_KID=\"x\"",
             " indexRange=\"1-0\"", ">", "/>", "file:///etc/", "&amp;", "<!DOCTYPE x>", "\n"]


def parse_any(data: bytes | str, url: str) -> Presentation | None:
    """Run a parser; ManifestError is an accepted outcome (returns None), anything else fails the test."""
    try:
        p = parse_presentation(data, url)
    except ManifestError:
        return None
    check_presentation(p)
    return p


@FUZZ
@given(st.binary(max_size=2048))
def test_arbitrary_bytes(data: bytes) -> None:
    """Any byte string fed to either parser yields a model or ManifestError."""
    for parser, url in ((parse_hls, M3U8_URL), (parse_dash, MPD_URL)):
        try:
            check_presentation(parser(data, url))
        except ManifestError:
            pass


@FUZZ
@given(st.text(max_size=1024))
def test_arbitrary_text(text: str) -> None:
    """Any text (even path- or URL-like) yields a model or ManifestError from the format detector on."""
    parse_any(text, MPD_URL)
    parse_any("#EXTM3U\n" + text, M3U8_URL)


@FUZZ
@given(st.lists(st.sampled_from(HLS_WORDS), max_size=60))
def test_hls_token_soup(words: list[str]) -> None:
    """Playlists assembled from HLS tag fragments yield a model or ManifestError."""
    parse_any("#EXTM3U\n" + "".join(words), MEDIA_URL)


@FUZZ
@given(st.lists(st.sampled_from(MPD_WORDS), max_size=60))
def test_mpd_token_soup(words: list[str]) -> None:
    """MPDs assembled from element fragments yield a model or ManifestError."""
    parse_any("".join(words), MPD_URL)


@FUZZ
@given(st.sampled_from(FILES) if FILES else st.nothing(), st.data())
def test_mutated_corpus_files(path: Path, data: st.DataObject) -> None:
    """Corpus files with bytes flipped, cut, or lines dropped/duplicated yield a model or ManifestError."""
    raw = bytearray(path.read_bytes()[:65536])
    op = data.draw(st.sampled_from(["flip", "truncate", "drop_line", "dup_line", "insert"]))
    if raw and op == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] = data.draw(st.integers(0, 255))
    elif op == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    elif op in ("drop_line", "dup_line"):
        lines = bytes(raw).split(b"\n")
        i = data.draw(st.integers(0, len(lines) - 1))
        lines[i:i + 1] = [] if op == "drop_line" else [lines[i], lines[i]]
        raw = bytearray(b"\n".join(lines))
    elif op == "insert":
        i = data.draw(st.integers(0, len(raw)))
        raw[i:i] = data.draw(st.sampled_from([w.encode() for w in HLS_WORDS + MPD_WORDS]))
    url = f"https://cdn.example.test/{path.parent.name}/{path.name}"
    parse_any(bytes(raw), url)


segment_durations = st.lists(st.floats(min_value=0.1, max_value=12.0, allow_nan=False), min_size=1, max_size=30)


@FUZZ
@given(segment_durations, st.integers(0, 10**6), st.booleans())
def test_hls_parse_twice_same_model_and_times_add_up(durations: list[float], sequence: int, endlist: bool) -> None:
    """A generated media playlist parses to the same model twice; starts are running sums of EXTINF."""
    text = media_playlist(*(seg(f"s{i}.ts", d) for i, d in enumerate(durations)),
                          header=f"#EXT-X-MEDIA-SEQUENCE:{sequence}\n", endlist=endlist, target=12)
    first, second = parse_hls(text, MEDIA_URL), parse_hls(text, MEDIA_URL)
    assert first == second
    r = first.renditions()[0]
    assert [s.number for s in r.segments] == list(range(sequence, sequence + len(durations)))
    total = 0.0
    for s, d in zip(r.segments, durations):
        assert abs(s.start_s - total) < 1e-6 and abs(s.duration_s - round(d, 3)) < 1e-9
        total += s.duration_s
    assert first.is_live is (not endlist)


@FUZZ
@given(st.integers(1, 600), st.integers(1, 10_000), st.integers(1, 48_000), st.integers(0, 1000))
def test_dash_template_parse_twice_and_covers_duration(seconds: int, seg_ticks: int, timescale: int, start: int) -> None:
    """A generated $Number$ MPD parses to the same model twice and its segments cover exactly the duration."""
    if seconds * timescale / seg_ticks > 5000:
        seg_ticks = seconds * timescale // 5000 + 1
    text = simple_mpd(template(attrs=f'duration="{seg_ticks}" timescale="{timescale}" startNumber="{start}"'),
                      duration=f"PT{seconds}S")
    first = parse_dash(text, MPD_URL)
    assert first == parse_dash(text, MPD_URL)
    segs = first.renditions()[0].segments
    assert segs[0].number == start and segs[0].urls[0].endswith(f"seg-{start}.m4s")
    assert abs(sum(s.duration_s for s in segs) - seconds) < 1e-6


TEMPLATE_PIECES = ["$Number$", "$Number%05d$", "$Time$", "$Time%012x$", "$Time%01x$", ":", "a", "$RepresentationID$", "$Bandwidth%08d$", "$$",
                   "seg", "-", "/", "../", "./", "..", "?q=", "&t=", "#f", " ", "é", "%20", "{x}", ".m4s", "rbx", "slot",
                   "https://other.test/", "//edge.test/", "file:///etc/"]


@FUZZ
@given(st.lists(st.sampled_from(TEMPLATE_PIECES), min_size=1, max_size=8),
       st.lists(st.sampled_from(["https://cdn.test/a/b/", "https://cdn.test/a/b/c.mpd", "http://edge.test/x?y=1",
                                 "https://cdn.test/", "https://cdn.test/RBXSLOT0X/"]), min_size=1, max_size=3),
       st.integers(0, 10**9), st.integers(0, 10**12), st.sampled_from(["v 1", "video", "rbxslot0x", "RbxSlot1x", "rbx", "slot0x", "slot1x"]))
@example(["rbx", "$RepresentationID$", "-", "$Number$", ".m4s"], ["https://cdn.test/a/"], 7, 0, "slot0x")  # across them
def test_a_template_resolved_once_gives_each_segment_the_url_resolving_it_whole_gives(
        pieces: list[str], bases: list[str], number: int, time: int, rep_id: str) -> None:
    """``_media_urls`` fills a template resolved once; every segment's URLs (or the error) equal what resolving that
    segment's expanded template against every base gives, for paths, queries, dot-segments, encodings, hosts, and
    Representation ids that spell a slot."""
    from player.manifest.dash_segments import Context, _media_urls, _urls, expand

    ctx = Context(bases=tuple(bases), rep_id=rep_id, bandwidth=500000, period_start_s=0.0, period_duration_s=None,
                  is_live=False, protection=None, ns=None)
    media = "".join(pieces)

    def outcome(make: object) -> object:
        try:
            return make()  # type: ignore[operator]
        except ManifestError as exc:
            return type(exc)
    whole = outcome(lambda: _urls(ctx, expand(media, rep_id=ctx.rep_id, bandwidth=ctx.bandwidth, number=number,
                                               time=time)))
    once = outcome(lambda: _media_urls(ctx, media)(number, time))
    assert once == whole, media


NAME_CHARACTERS = "abz09.-_~%+=,@!$&'()*;:/?#[] \té{}\\"
BASES = ["https://cdn.test/live/v.m3u8", "https://cdn.test/a/../b/./v.m3u8?tok=1#f", "https://cdn.test", "HTTP://Cdn.Test:8080/x/",
         "https://u:p@cdn.test/a;p=1/v.m3u8", "https://[::1]/a/v.m3u8", "file:///etc/v.m3u8", "https:v.m3u8",
         "https://cdn.test/a/%2e%2e/v.m3u8", "ftp://cdn.test/v.m3u8"]


@FUZZ
@given(st.sampled_from(BASES), st.text(NAME_CHARACTERS, min_size=0, max_size=12))
def test_a_bare_name_resolves_as_whole_resolution_resolves_it(base: str, ref: str) -> None:
    """``resolve``'s short way for a bare segment name (appended to its base's folder, found once) gives what whole
    RFC 3986 resolution and vetting give, the same URL or the same error, for any name beside any base."""
    from player.manifest.uris import _resolve_whole, resolve

    def outcome(make: object) -> object:
        try:
            return make()  # type: ignore[operator]
        except ManifestError as exc:
            return type(exc)
    assert outcome(lambda: resolve(base, ref)) == outcome(lambda: _resolve_whole(base, ref, False)), (base, ref)

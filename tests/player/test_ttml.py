"""TTML / IMSC → WebVTT (player.ttml): times, containment, text and styling, joining across documents, bad input."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from player.ttml import Cue, SubtitleFormatError, merge_cues, moved, parse_time, parse_ttml, webvtt

NS = ('xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling" '
      'xmlns:ttp="http://www.w3.org/ns/ttml#parameter"')


def doc(body: str, attrs: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><tt {NS} {attrs}><body>{body}</body></tt>'


def test_clock_and_offset_times() -> None:
    """Every TTML §10.3.1 form: clock with fraction or frames, and h/m/s/ms/f/t offsets."""
    assert parse_time("01:02:03.250") == 3723.25
    assert parse_time("00:00:01:15") == 1.5  # 15 frames at the default 30 fps
    assert [parse_time(t) for t in ("2h", "1.5m", "12.5s", "500ms", "60f", "90t")] == [7200, 90, 12.5, 0.5, 2, 3]
    for bad in ("1:2:3", "12", "5x", "", "-1s"):
        with pytest.raises(SubtitleFormatError):
            parse_time(bad)


def test_times_are_contained_in_their_ancestors() -> None:
    """A p's begin counts from its div's begin; dur works as end; a parent's end clips the child."""
    body = ('<div begin="10s" end="14s"><p begin="1s" dur="2s">a</p><p begin="3s" end="9s">clipped</p></div>'
            '<div><p begin="00:00:20.000" end="00:00:21.000">b</p></div>')
    assert parse_ttml(doc(body)) == [Cue(11.0, 13.0, "a"), Cue(13.0, 14.0, "clipped"), Cue(20.0, 21.0, "b")]


def test_frame_and_tick_rates_from_the_document() -> None:
    """ttp:frameRate and ttp:tickRate scale frames and ticks."""
    body = '<div><p begin="00:00:01:12" end="50000000t">x</p></div>'
    cues = parse_ttml(doc(body, 'ttp:frameRate="24" ttp:tickRate="10000000"'))
    assert cues == [Cue(1.5, 5.0, "x")]


def test_text_breaks_styling_and_escaping() -> None:
    """<br/> is a line break, XML whitespace collapses, italic/bold spans are kept, & and < are escaped."""
    body = ('<div><p begin="0s" end="1s">  Fish &amp; chips\n   <br/> <span tts:fontStyle="italic">a &lt; b</span> '
            '<span tts:fontWeight="bold">now</span></p><p begin="1s" end="2s">   </p></div>')
    assert parse_ttml(doc(body)) == [Cue(0.0, 1.0, "Fish &amp; chips\n<i>a &lt; b</i> <b>now</b>")]


def test_documents_of_consecutive_segments_become_one_track() -> None:
    """A cue repeated in the next segment's document is kept once; a cue cut at the boundary is joined."""
    first = doc('<div><p begin="0.5s" end="2s">split</p><p begin="1s" end="1.5s">short</p></div>')
    second = doc('<div><p begin="2s" end="3s">split</p><p begin="1s" end="1.5s">short</p></div>')
    assert webvtt(merge_cues(parse_ttml(first) + parse_ttml(second))) == (
        "WEBVTT\n\n00:00:00.500 --> 00:00:03.000\nsplit\n\n00:00:01.000 --> 00:00:01.500\nshort\n")
    assert [(c.start_s, c.end_s) for c in (moved(cue, 4.0) for cue in parse_ttml(second))] == [(6.0, 7.0), (5.0, 5.5)]


def test_malformed_input_is_our_error() -> None:
    """Not XML, not TTML, a bad rate or time: SubtitleFormatError, never an ExpatError or ValueError."""
    for bad in ("<tt", "<html/>", doc('<div><p begin="soon">x</p></div>'), doc("", 'ttp:frameRate="0"'),
                b"\xff\xfe<tt/>"):
        with pytest.raises(SubtitleFormatError):
            parse_ttml(bad)


@given(st.binary(max_size=200))
def test_any_bytes_give_cues_or_our_error(data: bytes) -> None:
    """Whatever a CDN sends as a TTML sample: a list of cues, or SubtitleFormatError."""
    try:
        assert isinstance(parse_ttml(data), list)
    except SubtitleFormatError:
        pass


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10), st.sampled_from("abc")), max_size=12))
def test_merged_cues_are_sorted_and_never_lose_time(raw: list[tuple[int, int, str]]) -> None:
    """Merging keeps every moment some cue of that text covered, and sorts by start."""
    cues = [Cue(float(s), float(s + d), t) for s, d, t in raw]
    merged = merge_cues(cues)
    assert [c.start_s for c in merged] == sorted(c.start_s for c in merged)
    for cue in cues:
        assert any(m.text == cue.text and m.start_s <= cue.start_s and cue.end_s <= m.end_s for m in merged)

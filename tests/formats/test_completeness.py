"""Truthful end: a play that stops short, loses a track or skips a segment is named, not reported complete."""
from __future__ import annotations

import pytest
from player.completeness import (IncompletePlay, TrackPlayed, check_complete, expected_kinds, shortfalls,
                                 timeline_parts)
from player.feed.remux import Hole
from player.manifest import (Presentation, parse_dash, parse_master, parse_media, presentation_from_master,
                             presentation_from_media)

VIDEO = TrackPlayed(kind="video", codec="h264", language=None, fed_until_s=8.0)
AUDIO = TrackPlayed(kind="audio", codec="aac", language="en", fed_until_s=8.0)


MPD_URL = "https://cdn.example.test/title/manifest.mpd"
MEDIA_URL = "https://cdn.example.test/title/index.m3u8"
_PERIOD = """<Period id="{id}" start="{start}"><AdaptationSet contentType="video" mimeType="video/mp4">
<Representation id="v" bandwidth="500000" codecs="avc1.64001e" width="640" height="360">
<SegmentTemplate media="{id}-$Number$.m4s" initialization="{id}-init.mp4" duration="2" timescale="1"/>
</Representation></AdaptationSet></Period>"""


def _two_periods() -> Presentation:
    body = _PERIOD.format(id="main", start="PT0S") + _PERIOD.format(id="credits", start="PT4S")
    return parse_dash(f'<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT8S">'
                      f'{body}</MPD>', MPD_URL)


def test_a_whole_play_has_no_shortfall() -> None:
    """Reached the end within half a segment, both tracks fed to the end, nothing skipped: complete."""
    assert shortfalls(end_s=8.0, reached_s=7.2, segment_s=2.0, tracks=[VIDEO, AUDIO], skipped=[]) == []
    check_complete([])


def test_a_play_cut_after_the_first_period_names_the_period_lost() -> None:
    """Stopped at 4 s of a two-Period title: the second Period is named, and IncompletePlay raised."""
    parts = timeline_parts(_two_periods())
    assert [p.name for p in parts] == ["period 'main'", "period 'credits'"]
    lost = shortfalls(end_s=8.0, reached_s=4.0, segment_s=2.0, tracks=[VIDEO], skipped=[], parts=parts)
    assert lost == ["stopped at 4.0 s of 8.0 s: period 'credits' (4.0–8.0 s) not played"]
    with pytest.raises(IncompletePlay, match="period 'credits'"):
        check_complete(lost)


def test_discontinuity_parts_and_skipped_gaps_are_named() -> None:
    """HLS: the parts between discontinuities are named; a gap segment is listed as skipped."""
    text = ("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n#EXT-X-GAP\n#EXTINF:2,\nb.ts\n"
            "#EXT-X-DISCONTINUITY\n#EXTINF:2,\nc.ts\n#EXTINF:2,\nd.ts\n#EXT-X-ENDLIST\n")
    presentation = presentation_from_media(parse_media(text, MEDIA_URL))
    parts = timeline_parts(presentation)
    assert [(p.name, p.start_s, p.end_s) for p in parts] == [("discontinuity part 0", 0.0, 4.0),
                                                            ("discontinuity part 1", 4.0, 8.0)]
    gap = presentation.renditions()[0].segments[1]
    lost = shortfalls(end_s=8.0, reached_s=8.0, segment_s=2.0, tracks=[VIDEO], skipped=[gap], parts=parts)
    assert lost == ["segment 2.0–4.0 s skipped (EXT-X-GAP)"]


def test_a_track_lost_midway_is_named() -> None:
    """Audio that stops at 3 s of 8 s is lost even when the video played to the end."""
    audio = TrackPlayed(kind="audio", codec="aac", language="en", fed_until_s=3.0)
    assert shortfalls(end_s=8.0, reached_s=8.0, segment_s=2.0, tracks=[VIDEO, audio], skipped=[]) == [
        "audio track (aac) ended at 3.0 s"]



def test_a_track_fed_far_past_the_end_is_misplaced() -> None:
    """Video fed to 17.9 s of an 8 s title (its media clock 10 s on, not moved): its timestamps are not where the manifest
    puts them, whatever libmpv's position said; audio running one segment long (a last AAC frame) is not."""
    video = TrackPlayed(kind="video", codec="h264", language=None, fed_until_s=17.9)
    audio = TrackPlayed(kind="audio", codec="aac", language="en", fed_until_s=10.0)
    assert shortfalls(end_s=8.0, reached_s=8.0, segment_s=2.0, tracks=[video, audio], skipped=[]) == [
        "video track (h264) fed to 17.9 s, past the end at 8.0 s: its timestamps are not where the manifest puts them"]

def test_a_promised_track_that_never_played_is_named() -> None:
    """A muxed HLS variant whose CODECS declare audio: audio is expected, and a play without it is incomplete."""
    master = parse_master('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS="avc1.64001e,mp4a.40.2"\nv.m3u8\n',
                          "https://cdn.example.test/title/master.m3u8")
    presentation = presentation_from_master(master, {})
    assert expected_kinds(presentation) == {"video", "audio"}
    assert expected_kinds(_two_periods()) == {"video"}
    lost = shortfalls(end_s=8.0, reached_s=8.0, segment_s=2.0, tracks=[VIDEO], skipped=[],
                      expected=expected_kinds(presentation))
    assert lost == ["audio track never played"]


def test_holes_and_decoder_errors_are_lost_but_a_skipped_segment_is_named_once() -> None:
    """Media missing inside a track and undecodable frames are shortfalls; a skipped segment's own hole is not repeated."""
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n" + "".join(f"#EXTINF:2,\n{c}.ts\n" for c in "abcd") + "#EXT-X-ENDLIST\n"
    skipped = presentation_from_media(parse_media(text, MEDIA_URL)).renditions()[0].segments[3]
    holes = [Hole(kind="video", from_s=5.0, to_s=6.0), Hole(kind="audio", from_s=6.0, to_s=8.0)]
    lost = shortfalls(end_s=8.0, reached_s=8.0, segment_s=2.0, tracks=[VIDEO, AUDIO], skipped=[skipped], holes=holes,
                      decoder_errors=3)
    assert lost == ["segment 6.0–8.0 s skipped (not delivered)",
                    "video missing 5.0–6.0 s (a segment shorter than the manifest says, a gap in its timeline, or a Period "
                    "that starts between keyframes)",
                    "3 decoder errors (media libmpv could not decode)"]

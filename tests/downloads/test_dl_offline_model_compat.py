"""A download stored by an older Reelbox still opens: its presentation JSON may carry fields the model dropped."""
from __future__ import annotations

import json

from downloads.offline_model import dumps, loads
from player.manifest import Period, Presentation, Rendition, SegmentRef, Track, parse_media, presentation_from_media


def test_a_stored_track_with_the_dropped_segment_aligned_field_loads() -> None:
    """Sessions up to 6 stored DASH ``@segmentAlignment`` per track (nothing read it; the model dropped it): such
    JSON loads into the same presentation as today's."""
    segment = SegmentRef(number=1, start_s=0.0, duration_s=2.0, urls=("reelbox-offline:0/1",))
    track = Track(kind="video", renditions=(Rendition(id="v", bandwidth=300_000, segments=(segment,)),))
    presentation = Presentation(periods=(Period(id="p0", start_s=0.0, duration_s=2.0, tracks=(track,)),),
                                is_live=False, duration_s=2.0, source_url="reelbox-offline:")
    stored = json.loads(dumps(presentation))
    assert "segment_aligned" not in stored["periods"][0]["tracks"][0]
    stored["periods"][0]["tracks"][0]["segment_aligned"] = True  # as session 6 wrote it
    assert loads(json.dumps(stored)) == presentation


def test_the_manifests_default_audio_is_kept_offline() -> None:
    """HLS DEFAULT=YES / DASH Role main picks the audio a play starts with when the viewer asks for none; a
    download dropped it, so offline the first stored language played instead. Older stores (no field) load."""
    segment = SegmentRef(number=1, start_s=0.0, duration_s=2.0, urls=("reelbox-offline:0/1",))
    tracks = tuple(Track(kind="audio", language=lang, default=lang == "de",
                         renditions=(Rendition(id=f"a-{lang}", bandwidth=64_000, segments=(segment,)),))
                   for lang in ("en", "de"))
    presentation = Presentation(periods=(Period(id="p0", start_s=0.0, duration_s=2.0, tracks=tracks),),
                                is_live=False, duration_s=2.0, source_url="reelbox-offline:")
    back = loads(dumps(presentation))
    assert back == presentation and [t.language for t in back.periods[0].tracks if t.default] == ["de"]
    stored = json.loads(dumps(presentation))
    for track in stored["periods"][0]["tracks"]:
        del track["default"]  # as sessions up to 6 wrote it
    assert not any(t.default for t in loads(json.dumps(stored)).periods[0].tracks)


_DISCONTINUOUS = ("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na0.ts\n#EXTINF:2,\na1.ts\n#EXT-X-DISCONTINUITY\n"
                  "#EXTINF:2,\nad0.ts\n#EXT-X-GAP\n#EXTINF:2,\nad1.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2,\nb0.ts\n#EXT-X-ENDLIST\n")


def test_an_hls_titles_discontinuity_timelines_and_gaps_are_kept_offline() -> None:
    """A stored HLS title with an ad break kept ``discontinuity`` but not each segment's ``timeline`` (nor ``gap``):
    offline every segment was on timeline 0, and a play fed that way stops at the first discontinuity
    (IncompletePlay: the restarted timestamps are not placed after the part before). Stores without the field
    (up to session 7) count the timelines again from the discontinuities."""
    presentation = presentation_from_media(parse_media(_DISCONTINUOUS, "https://cdn.example.test/t/index.m3u8"))
    segments = presentation.renditions()[0].segments
    assert [(s.timeline, s.gap) for s in segments] == [(0, False), (0, False), (1, False), (1, True), (2, False)]
    assert loads(dumps(presentation)).renditions()[0].segments == segments
    stored = json.loads(dumps(presentation))
    for segment in stored["periods"][0]["tracks"][0]["renditions"][0]["segments"]:
        del segment["timeline"], segment["gap"]  # as sessions up to 7 wrote them
    old = loads(json.dumps(stored)).renditions()[0].segments
    assert [s.timeline for s in old] == [0, 0, 1, 1, 2]


def test_a_segments_media_offset_from_the_mpd_is_kept_offline() -> None:
    """A DASH rung on its own media clock (presentationTimeOffset) plays where the MPD put it offline too; older stores
    (no field) load with none, as HLS has."""
    segment = SegmentRef(number=1, start_s=2.0, duration_s=2.0, urls=("reelbox-offline:0/1",), media_offset_s=-10.0)
    track = Track(kind="video", renditions=(Rendition(id="v", bandwidth=300_000, segments=(segment,)),))
    presentation = Presentation(periods=(Period(id="p0", start_s=0.0, duration_s=4.0, tracks=(track,)),),
                                is_live=False, duration_s=4.0, source_url="reelbox-offline:")
    assert loads(dumps(presentation)) == presentation
    stored = json.loads(dumps(presentation))
    for ref in stored["periods"][0]["tracks"][0]["renditions"][0]["segments"]:
        del ref["media_offset_s"]  # as sessions up to 8 wrote it
    assert loads(json.dumps(stored)).periods[0].tracks[0].renditions[0].segments[0].media_offset_s is None

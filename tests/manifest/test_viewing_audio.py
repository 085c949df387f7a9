"""The ladder follows the audio played: HLS variants whose AUDIO group lacks it, or that repeat one video playlist
for another audio codec, are not rungs (``player.manifest.viewing.with_audio``)."""
from __future__ import annotations

from player.manifest.hls import parse_master, presentation_from_master
from player.manifest.model import Presentation
from player.manifest.viewing import viewing_ladder

URL = "https://cdn.example/t/master.m3u8"


def _master(media: str, variants: list[tuple[int, str, str]]) -> Presentation:
    lines = ["#EXTM3U", media]
    for bandwidth, group, uri in variants:
        audio = f',AUDIO="{group}"' if group else ""
        lines += [f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION=640x360,CODECS="avc1.64001e"{audio}', uri]
    return presentation_from_master(parse_master("\n".join(lines) + "\n", URL), {})


def _ladder(presentation: Presentation, audio_index: int) -> list[tuple[str, str | None]]:
    video = presentation.video_track()
    assert video is not None
    track = presentation.audio_tracks()[audio_index]
    return [(r.id, r.audio_group) for r in viewing_ladder(video.by_bandwidth(), track, track.renditions[0])]


SHAKA_CODECS = ('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",LANGUAGE="en",URI="aac.m3u8"\n'
                '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="ec3",NAME="English 5.1",LANGUAGE="en",URI="ec3.m3u8"')


def test_one_video_playlist_per_audio_codec_is_one_rung_of_the_played_codec() -> None:
    p = _master(SHAKA_CODECS, [(700_000, "aac", "v.m3u8"), (900_000, "ec3", "v.m3u8")])
    assert _ladder(p, 0) == [("v0", "aac")]
    assert _ladder(p, 1) == [("v1", "ec3")]


def test_a_track_in_every_group_keeps_the_whole_ladder() -> None:
    """Apple's authoring: a low and a high audio group holding the same English track, one per half of the ladder."""
    media = "\n".join(f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{g}",NAME="English",LANGUAGE="en",URI="{g}.m3u8"'
                      for g in ("lo", "hi"))
    p = _master(media, [(400_000, "lo", "v1.m3u8"), (900_000, "lo", "v2.m3u8"), (3_000_000, "hi", "v3.m3u8")])
    assert [rid for rid, _ in _ladder(p, 0)] == ["v0", "v1", "v2"]


def test_the_played_group_wins_among_copies_of_one_video_when_a_track_is_in_both() -> None:
    """One NAME in two codec groups is one track of two renditions; the rung kept is the played rendition's group."""
    media = SHAKA_CODECS.replace("English 5.1", "English")
    p = _master(media, [(700_000, "aac", "v.m3u8"), (900_000, "ec3", "v.m3u8")])
    video, track = p.video_track(), p.audio_tracks()[0]
    assert video is not None
    for played in track.renditions:
        assert [r.audio_group for r in viewing_ladder(video.by_bandwidth(), track, played)] == [played.group_id]


def test_without_audio_groups_the_ladder_is_untouched() -> None:
    p = _master("", [(400_000, "", "a.m3u8"), (900_000, "", "b.m3u8")])
    video = p.video_track()
    assert video is not None
    assert len(viewing_ladder(video.by_bandwidth(), None, None)) == 2

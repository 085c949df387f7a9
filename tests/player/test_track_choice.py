"""--audio / --subtitles (player.track_choice): by language tag, primary subtag or name; a miss names what exists."""
from __future__ import annotations

import pytest

from player.manifest import Period, Presentation, Rendition, Track
from player.track_choice import TrackNotFound, choose_audio, choose_text, find_track


def _track(kind: str, language: str | None, label: str | None = None) -> Track:
    return Track(kind=kind, language=language, label=label, renditions=(Rendition(id=f"{kind}-{language}", bandwidth=1),))  # type: ignore[arg-type]


TRACKS = (_track("video", None), _track("audio", "en", "English"), _track("audio", "de-AT", "Deutsch"),
          _track("audio", "en", "Commentary"), _track("text", "fr", "Français"), _track("text", "en"))
TITLE = Presentation(periods=(Period(id="p", start_s=0.0, duration_s=6.0, tracks=TRACKS),), is_live=False,
                     duration_s=6.0, source_url="https://cdn.example.test/t.mpd")


def test_audio_by_tag_primary_subtag_or_name() -> None:
    """Exact tag first, then the primary subtag, then the name; case does not matter; none asked: the first."""
    assert choose_audio(TITLE, "EN") is TRACKS[1]
    assert choose_audio(TITLE, "de") is TRACKS[2]
    assert choose_audio(TITLE, "commentary") is TRACKS[3]
    assert choose_audio(TITLE, None) is TRACKS[1]


def test_subtitles_only_when_asked() -> None:
    assert choose_text(TITLE, None) is None
    assert choose_text(TITLE, "fr") is TRACKS[4]
    assert choose_text(TITLE, "Français") is TRACKS[4]


def test_a_language_that_does_not_exist_names_what_does() -> None:
    """TrackNotFound lists the title's tracks of that kind (tag and name)."""
    with pytest.raises(TrackNotFound, match=r"--audio es: no such audio track; this title has en \(English\), "
                                            r"de-AT \(Deutsch\), en \(Commentary\)"):
        choose_audio(TITLE, "es")
    with pytest.raises(TrackNotFound, match=r"--subtitles de: .* this title has fr \(Français\), en$"):
        choose_text(TITLE, "de")
    no_text = Presentation(periods=(Period(id="p", start_s=0.0, duration_s=6.0, tracks=TRACKS[:2]),), is_live=False,
                           duration_s=6.0, source_url="x")
    with pytest.raises(TrackNotFound, match="this title has none"):
        choose_text(no_text, "en")


def test_a_subtag_request_does_not_fall_back_to_another_region() -> None:
    """``en-US`` is not ``en-GB``: a region asked for must be there (or the bare tag)."""
    tracks = (_track("audio", "en-GB"),)
    assert find_track(tracks, "en-US") is None
    assert find_track(tracks, "en-gb") is tracks[0]


MUXED_MASTER = """#EXTM3U
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="Deutsch",LANGUAGE="de",DEFAULT=NO,AUTOSELECT=YES,URI="de/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=500000,CODECS="avc1.640014,mp4a.40.2",RESOLUTION=320x180,AUDIO="aud"
main/index.m3u8
"""


def test_an_audio_track_the_variant_carries_is_chosen_and_fetches_nothing() -> None:
    """RFC 8216 §4.4.6.1: an EXT-X-MEDIA without URI is in the variant's own segments. Its DEFAULT=YES plays it
    with nothing fetched beside the video (before: it was dropped and the German rendition played, and ``--audio
    en`` was TrackNotFound); ``--audio de`` still fetches the German playlist's rendition."""
    from player.manifest.hls import parse_master, presentation_from_master
    from player.scheduling import pick_audio

    title = presentation_from_master(parse_master(MUXED_MASTER, "https://cdn.example.test/master.m3u8"), {})
    english, german = title.audio_choices()
    assert (english.language, english.muxed, english.default, english.renditions) == ("en", True, True, ())
    assert (german.language, german.muxed) == ("de", False) and german.renditions
    assert title.audio_tracks() == (german,)  # what is fetched apart from the video
    assert choose_audio(title, None) is english and choose_audio(title, "en") is english
    assert pick_audio(title, None) is None and pick_audio(title, "en") is None
    assert pick_audio(title, "de") is german.renditions[0] and german.renditions[0].id == "a0"  # ids as before
    with pytest.raises(TrackNotFound, match=r"this title has en \(English\), de \(Deutsch\)$"):
        choose_audio(title, "fr")
    # two carried entries (a TS with a stream per language): which stream is which is unknown, so neither is offered
    two = MUXED_MASTER.replace('URI="de/index.m3u8"', 'CHANNELS="2"')
    title = presentation_from_master(parse_master(two, "https://cdn.example.test/master.m3u8"), {})
    assert title.audio_choices() == ()

"""The download command's quality choice offers the rungs a play climbs (``player.manifest.viewing``)."""
from __future__ import annotations

from downloads.plan import pick_video, video_choices
from player.manifest import Period, Presentation, Rendition, Track


def _r(rid: str, kbps: int, codecs: str, height: int, fps: float) -> Rendition:
    return Rendition(id=rid, bandwidth=kbps * 1000, codecs=codecs, height=height, frame_rate=fps)


def test_the_download_command_offers_the_rungs_a_play_climbs() -> None:
    """``reelbox download --quality lowest`` of Shaka's trick-play master stores the 360p rung, not the slideshow."""
    track = Track(kind="video", renditions=(_r("trick", 45, "avc1.4d401e", 360, 0.5), _r("lo", 700, "avc1.4d401e", 360, 25),
                                            _r("hi", 1600, "avc1.4d401f", 720, 25)))
    assert pick_video(track, "lowest", None).id == "lo"
    assert video_choices(Presentation(periods=(Period(id="0", start_s=0, duration_s=6, tracks=(track,)),), is_live=False,
                                      duration_s=6, source_url="https://cdn.example.test/m.m3u8")) == ["360p", "720p"]

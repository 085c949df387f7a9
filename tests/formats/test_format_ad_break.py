"""An ad stitched into an HLS title across discontinuities, as a server-side ad inserter does: the play goes on
through the ad and back, and picture and sound are still in step once the programme is back."""
from __future__ import annotations

import asyncio

from session_watch import play_watching

from player.feed.mpv_output import MpvOutput
from player.playback import SessionOptions


def test_after_an_ad_at_another_size_and_sample_rate_picture_and_sound_stay_in_step(corpus_url: str) -> None:
    """Programme (640x360, 48 kHz) → ad (426x240, 44.1 kHz) → programme across discontinuities: the play is complete,
    and once the programme is back libmpv plays 48 kHz sound at 640x360 within 100 ms of the picture (``avsync``)."""
    def after_the_ad(output: MpvOutput) -> tuple[float, int, int] | None:
        position, avsync = output.property("time-pos"), output.property("avsync")
        audio, video = output.property("audio-params") or {}, output.property("video-params") or {}
        if position is None or position < 4.8 or avsync is None or not audio or not video:
            return None
        return avsync, audio.get("samplerate"), video.get("w")

    report, seen = asyncio.run(play_watching(f"{corpus_url}/hls-ts-ad-break/index.m3u8",
                                             SessionOptions(mpv_options={"speed": 1}), after_the_ad))
    assert report["complete"] is True, report["errors"]
    assert seen is not None
    avsync, rate, width = seen
    assert (rate, width) == (48000, 640)
    assert abs(avsync) < 0.1

"""DASH rungs on media clocks of their own, placed by ``presentationTimeOffset``: the 640x360 rung's media time
starts at 10 s (PTO 10 s), the 320x180 rung's and the audio's at 0. Every rung plays where the MPD puts it, in
step with the audio. Before, one offset (the first segment's) placed every track: after the climb the video was
fed at 12-16 s beside audio at 2-6 s (`video missing 1.9-11.9 s`), and a play of the 640x360 rung alone showed
its picture 10 s after its sound and reported complete."""
from __future__ import annotations

import asyncio

import pytest
from session_watch import play_watching

from player.feed.mpv_output import MpvOutput
from player.playback import PlaybackSession, SessionOptions

TITLE_S = 6.0


def _fed(report: dict[str, object]) -> dict[str, float]:
    return {t["kind"]: t["fed_until_s"] for t in report["tracks"]}  # type: ignore[attr-defined, index]


def test_after_the_climb_to_a_rung_with_its_own_clock_picture_and_sound_stay_in_step(corpus_url: str) -> None:
    def at_640(output: MpvOutput) -> float | None:
        position, avsync = output.property("time-pos"), output.property("avsync")
        video = output.property("video-params") or {}
        return avsync if position is not None and position > 2.5 and video.get("w") == 640 and avsync is not None else None

    url = f"{corpus_url}/dash-pto/manifest.mpd"  # no throughput memory: it starts at 320x180 and climbs
    report, avsync = asyncio.run(play_watching(url, SessionOptions(mpv_options={"speed": 1}), at_640))
    assert report["complete"] is True, report["errors"]
    assert {s["rendition"] for s in report["segments"] if s["type"] == "video"} == {"0", "2"}
    assert all(fed <= TITLE_S + 0.5 for fed in _fed(report).values()), report["tracks"]
    assert avsync is not None and abs(avsync) < 0.1


def test_a_start_inside_the_title_on_the_rung_with_its_own_clock_plays_the_rest(corpus_url: str) -> None:
    url = f"{corpus_url}/dash-pto/manifest.mpd"
    session = PlaybackSession(target=url, manifest_urls=[url], options=SessionOptions(
        start_s=4.0, force_rendition=1, mpv_options={"speed": 4}))
    report = asyncio.run(session.run())
    assert report["complete"] is True, report["errors"]
    assert report["played_s"] == pytest.approx(TITLE_S - 4.0, abs=0.2)
    assert all(fed == pytest.approx(TITLE_S, abs=0.5) for fed in _fed(report).values()), report["tracks"]

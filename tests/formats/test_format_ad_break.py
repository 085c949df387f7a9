"""An ad stitched into an HLS title across discontinuities, as a server-side ad inserter does: the play goes on
through the ad and back, and picture and sound are still in step once the programme is back."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from corpus_hls import hls_ts_audio_only_ad, hls_ts_silent_slate
from corpus_server import serve_corpus
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


def test_a_slate_without_audio_plays_silent_in_real_time_and_is_named(tmp_path: Path) -> None:
    """Programme → a video-only slate → programme across discontinuities (muxed TS): silence fills the slate, so the
    play is complete, libmpv's clock runs at the wall clock's pace through it (before: ~1.6× fast from the slate on,
    audio 'missing', exit 1) and sound is in step after it; an ``AudioAbsent`` notice names the stretch."""
    (tmp_path / "slate").mkdir()
    hls_ts_silent_slate(tmp_path / "slate")
    marks: dict[str, float] = {}

    def after_the_slate(output: MpvOutput) -> tuple[float, float] | None:
        position, avsync = output.property("time-pos"), output.property("avsync")
        if position is None:
            return None
        marks.setdefault("from" if position >= 1.0 else "", time.monotonic() - position)
        if position < 5.0 or avsync is None:
            return None
        return avsync, (position - 1.0) / (time.monotonic() - marks["from"] - 1.0)

    with serve_corpus(tmp_path) as base:
        report, seen = asyncio.run(play_watching(f"{base}/slate/index.m3u8", SessionOptions(mpv_options={"speed": 1}),
                                                 after_the_slate))
    assert report["complete"] is True, report["errors"]
    assert [n["message"] for n in report["notices"] if n["code"] == "AudioAbsent"] == [
        "the segments from 2.0 to 4.0 s carry no audio: silence played there"]
    assert seen is not None
    avsync, pace = seen
    assert abs(avsync) < 0.1
    assert pace < 1.25  # media time over wall time since 1.0 s; a slower box only lowers it


def test_an_audio_only_ad_holds_the_picture_and_is_named(tmp_path: Path) -> None:
    """Programme → an audio-only ad → programme (muxed TS): sound goes on through the ad, the last picture stays on
    screen, as in plain libmpv, and a ``VideoAbsent`` notice names the stretch (before: complete, exit 0, nothing
    said); picture and sound in step once the programme is back."""
    (tmp_path / "radio").mkdir()
    hls_ts_audio_only_ad(tmp_path / "radio")

    def after_the_ad(output: MpvOutput) -> float | None:
        position, avsync = output.property("time-pos"), output.property("avsync")
        return avsync if position is not None and position >= 4.8 and avsync is not None else None

    with serve_corpus(tmp_path) as base:
        report, avsync = asyncio.run(play_watching(f"{base}/radio/index.m3u8", SessionOptions(mpv_options={"speed": 2}),
                                                   after_the_ad))
    assert report["complete"] is True, report["errors"]
    assert [n["message"] for n in report["notices"] if n["code"].endswith("Absent")] == [
        "the segments from 2.0 to 4.0 s carry no picture: the last one stayed on screen"]
    assert all(t["fed_until_s"] >= 5.9 for t in report["tracks"]), report["tracks"]
    assert avsync is not None and abs(avsync) < 0.1


def test_a_play_that_starts_in_a_slate_gets_the_audio_its_variant_promises(tmp_path: Path) -> None:
    """A pre-roll slate without audio, and a start inside the mid-roll one, under a master whose CODECS name the
    muxed AAC: the stream opens with a silent AAC track that the programme's audio joins (48 kHz, in step), complete,
    an ``AudioAbsent`` notice for the slate. Before: TrackChangeUnsupported, "audio starts … in a stream that began
    without it", exit 1 (a live viewer joining during a slate too)."""
    (tmp_path / "slate").mkdir()
    hls_ts_silent_slate(tmp_path / "slate")

    def after(slate_end_s: float) -> Callable[[MpvOutput], tuple[float, int] | None]:
        def read(output: MpvOutput) -> tuple[float, int] | None:
            position, avsync = output.property("time-pos"), output.property("avsync")
            audio = output.property("audio-params")
            if position is None or avsync is None or not audio or position < slate_end_s + 0.8:
                return None
            return avsync, audio.get("samplerate")
        return read

    with serve_corpus(tmp_path) as base:
        for master, start, slate, end in (("master-preroll.m3u8", 0.0, "0.0 to 2.0", 2.0),
                                          ("master.m3u8", 2.5, "2.0 to 4.0", 4.0)):
            report, seen = asyncio.run(play_watching(
                f"{base}/slate/{master}", SessionOptions(start_s=start, mpv_options={"speed": 1}), after(end)))
            assert report["complete"] is True, (master, report["errors"])
            assert [n["message"] for n in report["notices"] if n["code"] == "AudioAbsent"] == [
                f"the segments from {slate} s carry no audio: silence played there"]
            assert seen is not None and abs(seen[0]) < 0.1 and seen[1] == 48000, (master, seen)

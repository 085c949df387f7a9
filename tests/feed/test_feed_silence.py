"""Silence for a muxed variant's stretch without audio: frames that decode as silence at the track's own rate and
layout, for each codec a TS variant carries; none where ours could not match the track (HE-AAC)."""
from __future__ import annotations

import subprocess
from array import array
from dataclasses import replace
from pathlib import Path

import av
import imageio_ffmpeg
import pytest

from player.feed.bitstream import is_adts
from player.feed.media_input import read_segment
from player.feed.remux import Remuxer
from player.feed.segment_reader import TS_CLOCK, DemuxedSegment
from player.feed.errors import TrackChangeUnsupported
from player.feed.silence import Stretch, merged, silent_samples

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def _ts(out: Path, *, audio: list[str] | None, seconds: float = 2, name: str = "s.ts", offset_s: float = 0) -> bytes:
    """One MPEG-TS of H.264 and ``audio`` (None: video only) as ffmpeg writes it, its clock ``offset_s`` on."""
    sound = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"] if audio else []
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"testsrc2=size=160x90:rate=25:duration={seconds}", *sound, "-c:v", "libx264",
                    "-preset", "ultrafast", "-g", "25", *(audio or []), "-output_ts_offset", str(offset_s), "-f", "mpegts",
                    str(out / name)], check=True)
    return (out / name).read_bytes()


def _audio(data: bytes) -> DemuxedSegment:
    return next(p for p in read_segment("video", b"", data, with_audio=True) if p.kind == "audio")


@pytest.mark.parametrize("codec", [["-c:a", "aac", "-ac", "2"], ["-c:a", "aac", "-ac", "1"], ["-c:a", "ac3"],
                                   ["-c:a", "libmp3lame"]], ids=["aac-stereo", "aac-mono", "ac3", "mp3"])
def test_silence_decodes_as_silence_at_the_tracks_rate_and_layout(tmp_path: Path, codec: list[str]) -> None:
    like = _audio(_ts(tmp_path, audio=codec))
    samples = silent_samples(like, 9000, 9000 + TS_CLOCK)  # 0.1 s to 1.1 s
    assert samples and samples[0].pts == 9000 and samples[-1].pts < 9000 + TS_CLOCK <= samples[-1].pts + samples[-1].duration
    decoder = av.CodecContext.create(like.codec, "r")
    frames = [f for s in samples for f in decoder.decode(av.Packet(s.data))]  # type: ignore[attr-defined]
    assert frames and {(f.sample_rate, f.layout.name) for f in frames} == {(like.sample_rate, like.layout)}
    loudest = max(abs(v) for f in frames for plane in f.planes for v in array("f", bytes(plane)))
    assert loudest < 1e-4
    assert sum(f.samples for f in frames) >= 0.9 * like.sample_rate  # the first may be held back by the decoder


def test_no_silence_where_ours_would_not_match_the_track(tmp_path: Path) -> None:
    """An ADTS header naming a core rate that is not the track's (HE-AAC's implicit SBR doubles it), or a codec with
    no encoder here: nothing, so the gap stays a named hole."""
    like = _audio(_ts(tmp_path, audio=["-c:a", "aac"]))
    assert silent_samples(replace(like, sample_rate=2 * like.sample_rate), 0, TS_CLOCK) == ()
    assert silent_samples(replace(like, codec="opus"), 0, TS_CLOCK) == ()


def test_a_muxed_slate_without_audio_is_filled_and_a_separate_tracks_gap_is_not(tmp_path: Path) -> None:
    """Programme, a video-only slate, programme (three 2 s TS segments on three timelines): silence over the slate
    and no hole; the same audio fed as its own track leaves the hole to be named."""
    programme = _ts(tmp_path, audio=["-c:a", "aac"], name="p.ts")
    slate = _ts(tmp_path, audio=None, name="slate.ts")
    remuxer = Remuxer(tracks=("video",))
    for i, data in enumerate((programme, slate, programme)):
        remuxer.add_segment("video", b"", data, rendition_id="v", start_s=2.0 * i, timeline=i)
    remuxer.flush()
    assert [(round(s.from_s, 1), round(s.to_s, 1)) for s in remuxer.silences] == [(2.0, 4.0)]
    assert remuxer.holes == []
    assert 5.9 <= remuxer.fed["audio"].seconds <= 6.1

    apart = Remuxer(tracks=("video", "audio"))
    for i, data in enumerate((programme, slate, programme)):
        apart.add_segment("video", b"", data, rendition_id="v", start_s=2.0 * i, timeline=i)
        if data is programme:
            apart.add_segment("audio", b"", data, rendition_id="a", start_s=2.0 * i, timeline=i)
    apart.flush()
    assert apart.silences == [] and [(h.kind, round(h.from_s), round(h.to_s)) for h in apart.holes] == [("audio", 2, 4)]


def test_audio_trailing_within_one_timeline_is_waited_for_not_filled(tmp_path: Path) -> None:
    """An encoder's audio packets may trail the video by more than a segment (large PES, mux delay): a segment with
    no audio on the timeline its audio is on gets no silence — the next segment brings that audio."""
    programme = _ts(tmp_path, audio=["-c:a", "aac"], name="p.ts")
    slate = _ts(tmp_path, audio=None, name="slate.ts")
    remuxer = Remuxer(tracks=("video",))
    for i, data in enumerate((programme, slate, programme)):
        remuxer.add_segment("video", b"", data, rendition_id="v", start_s=2.0 * i, timeline=0 if i < 2 else 1)
    remuxer.flush()
    assert remuxer.silences == []


def test_a_slate_of_two_segments_is_one_stretch(tmp_path: Path) -> None:
    programme = _ts(tmp_path, audio=["-c:a", "aac"], name="p.ts")
    slate = _ts(tmp_path, audio=None, name="slate.ts")
    remuxer = Remuxer(tracks=("video",))
    slate_end = _ts(tmp_path, audio=None, name="slate2.ts", offset_s=2)
    for i, (data, timeline) in enumerate(((programme, 0), (slate, 1), (slate_end, 1), (programme, 2))):
        remuxer.add_segment("video", b"", data, rendition_id="v", start_s=2.0 * i, timeline=timeline)
    remuxer.flush()
    assert [(round(s.from_s, 1), round(s.to_s, 1)) for s in remuxer.silences] == [(2.0, 6.0)]
    assert merged([Stretch(4.0, 6.0), Stretch(2.0, 4.0), Stretch(2.0, 4.0), Stretch(9.0, 10.0)]) == [
        Stretch(2.0, 6.0), Stretch(9.0, 10.0)]


def test_he_aac_in_fmp4_gets_no_silence(tmp_path: Path) -> None:
    """An AudioSpecificConfig of object type 5 (HE-AAC: SBR doubles the core rate) or a core rate that is not the
    track's: our AAC-LC frames would play at the wrong rate, so none are made."""
    like = replace(_audio(_ts(tmp_path, audio=["-c:a", "aac"])), in_band=False, extradata=bytes((0x12, 0x08)))
    assert like.sample_rate == 44100 and silent_samples(like, 0, TS_CLOCK)  # AAC-LC, 44.1 kHz, mono: frames
    assert silent_samples(replace(like, extradata=bytes((0x2B, 0x11, 0x88, 0x00))), 0, TS_CLOCK) == ()
    assert silent_samples(replace(like, extradata=bytes((0x13, 0x88))), 0, TS_CLOCK) == ()  # 22.05 kHz core


def test_a_track_the_stream_did_not_start_with_is_named(tmp_path: Path) -> None:
    """A play that starts in a slate: the stream opens with video alone, and the programme's audio cannot join it."""
    programme = _ts(tmp_path, audio=["-c:a", "aac"], name="p.ts")
    slate = _ts(tmp_path, audio=None, name="slate.ts")
    remuxer = Remuxer(tracks=("video",))
    remuxer.add_segment("video", b"", slate, rendition_id="v", start_s=0.0, timeline=0)
    with pytest.raises(TrackChangeUnsupported, match="audio starts at 2.0 s in a stream that began without it"):
        remuxer.add_segment("video", b"", programme, rendition_id="v", start_s=2.0, timeline=1)


def test_a_stream_that_opens_in_a_slate_gets_a_silent_track_the_programme_joins(tmp_path: Path) -> None:
    """A muxed variant whose CODECS promise AAC (``carried_audio``), the play starting in a slate, even a 0.4 s tail
    of one: the stream opens with a silent AAC track and the programme's audio (44.1 kHz mono) joins it; without the
    promise the programme's audio is a track the stream did not start with."""
    slate = _ts(tmp_path, audio=None, name="slate.ts", seconds=0.4)
    programme = _ts(tmp_path, audio=["-c:a", "aac"], name="p.ts")
    remuxer = Remuxer(tracks=("video",), carried_audio=True)
    remuxer.add_segment("video", b"", slate, rendition_id="v", start_s=0.0, timeline=0)
    remuxer.add_segment("video", b"", programme, rendition_id="v", start_s=0.4, timeline=1)
    remuxer.flush()
    assert [(round(s.from_s, 1), round(s.to_s, 1)) for s in remuxer.silences] == [(0.0, 0.4)]
    assert remuxer.holes == [] and 2.3 <= remuxer.fed["audio"].seconds <= 2.5
    unpromised = Remuxer(tracks=("video",))
    unpromised.add_segment("video", b"", slate, rendition_id="v", start_s=0.0, timeline=0)
    with pytest.raises(TrackChangeUnsupported):
        unpromised.add_segment("video", b"", programme, rendition_id="v", start_s=0.4, timeline=1)


@pytest.mark.parametrize(("muxer", "codec", "adts"), [("adts", "aac", True), ("mp3", "libmp3lame", False),
                                                      ("ac3", "ac3", False)])
def test_only_an_adts_stream_is_taken_for_adts(tmp_path: Path, muxer: str, codec: str, adts: bool) -> None:
    out = tmp_path / f"a.{muxer}"
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=44100:duration=0.5", "-c:a", codec, "-f", muxer, str(out)], check=True)
    data = out.read_bytes()
    assert is_adts(data) is adts
    if adts:  # the next frame starts where the header's 13-bit length says; one byte on is not a header
        length = ((data[3] & 0x03) << 11) | (data[4] << 3) | (data[5] >> 5)
        assert is_adts(data, length) and not is_adts(data, length + 1)
        assert not is_adts(data[:1]) and not is_adts(data, len(data) - 1)

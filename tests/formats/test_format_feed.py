"""Every kind of the format corpus goes through the feed and plays to the end in libmpv, cleanly.

The manifest is parsed by our parsers and every byte is fetched over loopback HTTP (byte ranges,
AES-128 keys); segments are fed in timeline order as the scheduler would (see ``feed_walk``).
"""
from __future__ import annotations

import io

import av
import corpus
import feed_walk
import pytest

from player.feed.aes128 import decrypt_aes128
from player.feed.errors import DecryptionFailed, SegmentFormatError
from player.feed.matroska import flac_private
from player.feed.packed_audio import demux_packed_audio

KINDS = [k for k in corpus.kinds().values() if k.expect_error is None and k.streams == 1]  # one remuxer, one file
SWITCHING = [k for k in KINDS if k.renditions > 1]
LO, HI = (320, 180), (640, 360)
HALF_SEGMENT_S = corpus.SEGMENT_S / 2


def _walk(corpus_url: str, kind: corpus.Kind, plan: list[int] | None = None) -> feed_walk.Walked:
    presentation = feed_walk.load(f"{corpus_url}/{kind.manifest}")
    return feed_walk.remux(presentation, plan=plan, key=corpus.KEY if kind.needs_key else None)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_kind_plays_to_the_end_with_its_tracks(corpus_url: str, kind: corpus.Kind) -> None:
    """Played to the end (within half a segment), 0 decoder errors, each source track fed for the whole duration."""
    walked = _walk(corpus_url, kind)
    fed = walked.remuxer.fed
    assert {k: t.codec for k, t in fed.items()} == {k: c for k, c in (("video", kind.video), ("audio", kind.audio)) if c}
    for track in fed.values():
        assert abs(track.seconds - kind.duration_s) <= HALF_SEGMENT_S
    played = feed_walk.play(walked.stream, speed=2 if kind.video is None else 4)
    assert played.end is not None and played.end.reason == "eof"
    assert played.decoder_errors == 0
    # on the presentation's timeline whatever the media's own clock (dash-no-pto's starts at 1000 s)
    assert abs(played.last_position_s - kind.duration_s) <= HALF_SEGMENT_S


@pytest.mark.parametrize("kind", SWITCHING, ids=lambda k: k.name)
def test_forced_switches_low_high_low_decode_cleanly(corpus_url: str, kind: corpus.Kind) -> None:
    """Rendition switches lo → hi → lo on TS H.264, VP9 (WebM and fMP4), AV1 and H.264 beside Opus (Matroska):
    libmpv follows each, 0 decoder errors."""
    walked = _walk(corpus_url, kind, plan=[0, 1, 0])
    played = feed_walk.play(walked.stream)
    assert played.sizes == [LO, HI, LO]
    assert played.decoder_errors == 0
    assert walked.remuxer.container == ("mpegts" if (kind.video, kind.audio) == ("h264", "aac") else "matroska")


def test_discontinuity_is_rebased_onto_the_playlist_timeline(corpus_url: str) -> None:
    """After EXT-X-DISCONTINUITY the second part's timestamps (restarting at ffmpeg's 1.4 s) continue at 4 s."""
    walked = _walk(corpus_url, corpus.kinds()["hls-ts-discontinuity"])
    with av.open(io.BytesIO(walked.stream), format="mpegts") as container:
        pts = sorted(p.pts for p in container.demux(video=0) if p.pts is not None)
    steps = {b - a for a, b in zip(pts, pts[1:])}
    assert steps == {3600}  # 25 fps on the 90 kHz clock, no jump back or gap at the splice
    assert 0 <= pts[0] < 0.05 * 90000 and len(pts) == 200  # the muxed audio starts 21 ms before the video


def test_multi_period_plays_both_periods_in_order(corpus_url: str) -> None:
    """Period 2 (640x360, other timescale and sample rate, media time restarting at 0) follows period 1."""
    walked = _walk(corpus_url, corpus.kinds()["dash-multi-period"])
    played = feed_walk.play(walked.stream)
    assert played.sizes == [LO, HI]
    assert played.decoder_errors == 0
    assert played.last_position_s > 8 - HALF_SEGMENT_S


def test_gap_segment_is_skipped_and_reported(corpus_url: str) -> None:
    """EXT-X-GAP: the segment is never fetched; the walk reports it, and the rest still plays."""
    walked = _walk(corpus_url, corpus.kinds()["hls-ts-gap"])
    assert [(s.start_s, s.gap) for s in walked.skipped] == [(2.0, True)]
    assert walked.remuxer.fed["video"].seconds == pytest.approx(4.0)


def test_aes128_with_a_wrong_key_is_a_named_error(corpus_root) -> None:
    """A wrong AES-128 key shows as bad padding: DecryptionFailed, never garbage handed on."""
    data = (corpus_root / "hls-ts-aes128" / "s1.ts").read_bytes()
    assert decrypt_aes128(data, corpus.KEY, bytes(16))[0] == 0x47
    with pytest.raises(DecryptionFailed):
        decrypt_aes128(data, bytes(range(16)), bytes(16))


def test_packed_audio_without_its_timestamp_is_refused(corpus_root) -> None:
    """A packed audio segment whose ID3 tag lacks the transportStreamTimestamp PRIV frame is a SegmentFormatError."""
    data = (corpus_root / "hls-packed-audio" / "a1.aac").read_bytes()
    assert demux_packed_audio(data).samples[0].pts == 10 * 90000 + 94 * 1024 * 90000 // 48000
    broken = data.replace(b"com.apple.streaming.transportStreamTimestamp", b"com.example.something.else.entirely.x")
    with pytest.raises(SegmentFormatError):
        demux_packed_audio(broken)


def test_flac_codec_private_gets_the_marker_and_block_header() -> None:
    """MP4's dfLa gives a bare STREAMINFO; Matroska's A_FLAC needs ``fLaC`` + a last-block header (else
    FFmpeg skips 8 bytes of it and refuses the decoder: "extradata NULL or too small")."""
    streaminfo = bytes(range(34))
    private = flac_private(streaminfo)
    assert private == b"fLaC\x80\x00\x00\x22" + streaminfo
    assert flac_private(private) == private

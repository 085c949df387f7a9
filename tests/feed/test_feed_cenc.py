"""CENC (ISO/IEC 23001-7 'cenc') content is decrypted in memory with the key, and refused clearly without it."""
from __future__ import annotations

import io

import av
import pytest
from feedkit import KEY, KID, WRONG_KEY
from feedkit import decoded_size_runs, play_to_end, remux_plan

from player.feed.errors import DecryptionFailed, FeedError, KeyRequired
from player.feed.isobmff import track_protection
from player.feed.remux import Remuxer


def test_init_segments_declare_the_protection(cenc_package, package) -> None:
    """Protected inits show scheme 'cenc' with the default KID; clear inits show none."""
    for rendition in cenc_package.video + cenc_package.audio:
        protection = track_protection(rendition.init)
        assert protection is not None and protection.scheme == "cenc" and protection.default_kid == KID
    for rendition in package.video + package.audio:
        assert track_protection(rendition.init) is None


def test_protected_content_decodes_with_the_key(cenc_package) -> None:
    """With the key, a lo → hi switch decodes strictly (no garbage) and libmpv plays it with no decoder error."""
    ts = remux_plan(cenc_package, [0, 1], key=KEY)
    assert decoded_size_runs(ts) == [((320, 180), 50), ((640, 360), 50)]
    with av.open(io.BytesIO(ts), format="mpegts") as container:
        stream = container.streams.audio[0]
        stream.codec_context.options = {"err_detect": "explode"}
        assert sum(f.samples for f in container.decode(stream)) > 3.5 * 48000
    sizes, end, decoder_errors = play_to_end(ts)
    assert sizes == [(320, 180), (640, 360)] and decoder_errors == 0 and end is not None and end.reason == "eof"


def test_decrypted_picture_matches_the_clear_encode(ffmpeg_cenc_package, ffmpeg_package) -> None:
    """The first decrypted frame equals the clear package's first frame (same encoder settings): not garbage."""
    def first_frame(ts: bytes) -> bytes:
        with av.open(io.BytesIO(ts), format="mpegts") as container:
            return bytes(next(container.decode(video=0)).planes[0])  # luma plane

    assert first_frame(remux_plan(ffmpeg_cenc_package, [0], key=KEY)) == first_frame(remux_plan(ffmpeg_package, [0]))


@pytest.mark.parametrize("kind", ["video", "audio"])
def test_missing_key_is_a_named_error(cenc_package, kind: str) -> None:
    """A protected segment without a key raises KeyRequired (not ciphertext fed to the decoder)."""
    rendition = cenc_package.video[0] if kind == "video" else cenc_package.audio[0]
    with pytest.raises(KeyRequired):
        Remuxer().add_segment(kind, rendition.init, rendition.segments[1], rendition_id=rendition.id)


@pytest.mark.parametrize("kind", ["video", "audio"])
def test_wrong_key_is_a_named_error(cenc_package, kind: str) -> None:
    """A wrong key raises DecryptionFailed, whose message carries no key material."""
    rendition = cenc_package.video[0] if kind == "video" else cenc_package.audio[0]
    with pytest.raises(DecryptionFailed) as info:
        Remuxer().add_segment(kind, rendition.init, rendition.segments[1], key=WRONG_KEY, rendition_id=rendition.id)
    assert isinstance(info.value, FeedError)
    assert WRONG_KEY.hex() not in str(info.value) and KEY.hex() not in str(info.value)


def test_the_key_is_verified_once_per_kid_and_a_wrong_one_still_fails(cenc_package, monkeypatch) -> None:
    """The strict decode runs on the first segment under a KID and key only; a wrong key for the same KID
    later is still a DecryptionFailed (it is another key, so it is checked)."""
    from player.feed import segment_reader

    checked: list[str] = []
    verify = segment_reader._verify_decodes
    monkeypatch.setattr(segment_reader, "_verify_decodes", lambda part: (checked.append(part.kind), verify(part)))
    segment_reader._verified.clear()
    rendition = cenc_package.video[0]
    remuxer = Remuxer(tracks=("video",))
    for segment in rendition.segments[1:3]:
        remuxer.add_segment("video", rendition.init, segment, key=KEY, rendition_id=rendition.id)
    assert checked == ["video"]
    with pytest.raises(DecryptionFailed):
        Remuxer(tracks=("video",)).add_segment("video", rendition.init, rendition.segments[3], key=WRONG_KEY,
                                              rendition_id=rendition.id)
    assert checked == ["video", "video"]


def test_a_clear_lead_segment_does_not_vouch_for_a_wrong_key(shaka_clear_lead_package) -> None:
    """Shaka's clear lead: the first segment decodes with any key, so it proves nothing; the first encrypted
    segment under a wrong key is still a DecryptionFailed (before, ciphertext went on to libmpv)."""
    from player.feed import segment_reader

    segment_reader._verified.clear()
    rendition = shaka_clear_lead_package.video[0]
    remuxer = Remuxer(tracks=("video",))
    remuxer.add_segment("video", rendition.init, rendition.segments[0], key=WRONG_KEY, rendition_id=rendition.id)
    with pytest.raises(DecryptionFailed):
        remuxer.add_segment("video", rendition.init, rendition.segments[1], key=WRONG_KEY, rendition_id=rendition.id)

"""What ``reelbox download`` stores of Shaka's one-video-playlist-per-audio-codec HLS: the video variant of the audio
it stores, as a play picks it (``player.manifest.viewing.with_audio``), loaded over HTTP by our parser."""
from __future__ import annotations

import pytest
from feed_walk import load

from downloads.plan import DownloadChoice, QualityUnavailable, plan_download


@pytest.mark.parametrize("master,group", [("master.m3u8", "aac"), ("default-ac3.m3u8", "ac3")])
def test_the_stored_video_variant_is_the_one_of_the_stored_audio(corpus_url: str, master: str, group: str) -> None:
    """The master lists stream_2.m3u8 once per audio group (AAC, AC-3); with the AC-3 audio the default the download
    stored the AAC variant's video beside the AC-3 audio: its BANDWIDTH counting audio not stored, its AUDIO group
    one the download does not hold."""
    presentation = load(f"{corpus_url}/hls-audio-codecs/{master}")
    planned = {p.kind: p.rendition for p in plan_download(presentation, DownloadChoice())}
    assert planned["audio"].group_id == group
    assert planned["video"].audio_group == group
    variants = {r.audio_group: r.bandwidth for r in presentation.video_track().renditions}  # type: ignore[union-attr]
    assert len(variants) == 2 and planned["video"].bandwidth == variants[group]


def test_one_picture_listed_per_audio_codec_is_one_quality_name(corpus_url: str) -> None:
    """The quality names offered (``--quality`` of a name the title lacks lists them) name each picture once, whichever
    audio is the default."""
    presentation = load(f"{corpus_url}/hls-audio-codecs/default-ac3.m3u8")
    with pytest.raises(QualityUnavailable, match=r"choose one of: best, lowest, 180p\)$"):
        plan_download(presentation, DownloadChoice(quality="1080p"))

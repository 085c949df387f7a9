"""The format corpus: one short stream of every kind CDNs serve, made with ffmpeg 9 and Shaka Packager.

Why generated, not downloaded: each kind is small (6 s, 2 s segments, 320x180/640x360, x264
``ultrafast``), reproducible on this machine, and its ground truth is known (duration, tracks,
keys). Shared by ``tests/formats`` and ``benchmarks/format_matrix.py``; ``build(root)`` writes
every kind under ``root/<name>/`` (skipping kinds already built) and returns their descriptions.

Kinds ffmpeg cannot make are finished the way a CDN's packager would: fMP4 + AES-128 segments are
encrypted with ``cryptography``; packed audio gets its ID3 PRIV timestamps; the multi-period MPD,
discontinuity and EXT-X-GAP playlists and the licence URLs in manifests are written from ffmpeg's
and Shaka's output.

This module is the table of kinds and ``build``; the kinds are made in ``corpus_hls``, ``corpus_dash``
and ``corpus_tracks``, with the tools and settings of ``corpus_encode`` and the packager's steps of
``corpus_packager``.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus_dash import (
    dash_audio,
    dash_av1,
    dash_cbcs,
    dash_cenc,
    dash_flac,
    dash_h264_opus,
    dash_hevc,
    dash_multiperiod,
    dash_no_pto,
    dash_pto,
    dash_period_codec,
    dash_period_tracks,
    dash_rotated,
    dash_split_sets,
    dash_trickplay,
    dash_vp9_fmp4,
    dash_vp9_webm,
)
from corpus_encode import KEY, KID, SEGMENT_S
from corpus_hls import (
    hls_audio_ts,
    hls_codecs,
    hls_fmp4_aes,
    hls_fmp4_muxed,
    hls_packed_audio,
    hls_ts,
    hls_ts_aes,
    hls_ts_altaudio,
    hls_ts_byterange,
    hls_ts_disc,
    hls_ts_ad_break,
    hls_ts_ad_codec,
    hls_ts_gap,
    hls_ts_key_runs,
    hls_ts_mp3,
    hls_ts_unaligned,
)
from corpus_tracks import dash_tracks, hls_audio_codecs, hls_tracks, hls_ts_webvtt, hls_ts_webvtt_disc

__all__ = ["KEY", "KID", "SEGMENT_S", "Kind", "build", "kinds"]


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One corpus stream and what a correct play of it shows."""

    name: str
    manifest: str  # path under the corpus root
    duration_s: float
    video: str | None  # codec family played, None for audio-only
    audio: str | None  # None for video-only
    renditions: int = 1  # video renditions (2: a low → high → low switch can be forced)
    needs_key: bool = False  # CENC/ClearKey: the key comes from --key or the licence URL in the manifest
    licence_in_manifest: bool = False
    expect_error: str | None = None  # a kind made to fail (EXT-X-GAP): the error class the play must end with
    streams: int = 1  # libmpv files the feed plays it as (Periods that change codec or track set: one each)
    audio_languages: tuple[str, ...] = ()  # several audio tracks: their languages (--audio picks one)
    subtitles: tuple[tuple[str, str], ...] = ()  # (language, format) of each text track: webvtt or ttml
    rotation: int = 0  # degrees clockwise the init's display matrix turns the picture (libmpv's video-params/rotate)


# ---- the table of kinds ------------------------------------------------------------------------

_BUILDERS: dict[str, tuple[Callable[[Path], None], Kind]] = {
    k.name: (b, k) for b, k in [
        (hls_ts, Kind(name="hls-ts", manifest="hls-ts/master.m3u8", duration_s=6, video="h264", audio="aac", renditions=2)),
        (hls_ts_aes, Kind(name="hls-ts-aes128", manifest="hls-ts-aes128/index.m3u8", duration_s=6, video="h264", audio="aac")),
        (hls_ts_disc, Kind(name="hls-ts-discontinuity", manifest="hls-ts-discontinuity/index.m3u8", duration_s=8,
                           video="h264", audio="aac")),
        (hls_ts_ad_break, Kind(name="hls-ts-ad-break", manifest="hls-ts-ad-break/index.m3u8", duration_s=6,
                               video="h264", audio="aac")),
        # renditions=1: the feed walk's forced switches go by segment index, which an unaligned ladder has not
        (hls_ts_unaligned, Kind(name="hls-ts-unaligned", manifest="hls-ts-unaligned/master.m3u8", duration_s=12,
                                video="h264", audio="aac")),
        (hls_ts_altaudio, Kind(name="hls-ts-alt-audio", manifest="hls-ts-alt-audio/master.m3u8", duration_s=6,
                               video="h264", audio="aac")),
        (hls_ts_key_runs, Kind(name="hls-ts-key-runs", manifest="hls-ts-key-runs/index.m3u8", duration_s=6,
                               video="h264", audio="aac")),
        (hls_ts_byterange, Kind(name="hls-ts-byterange", manifest="hls-ts-byterange/index.m3u8", duration_s=6,
                                video="h264", audio="aac")),
        (hls_packed_audio, Kind(name="hls-packed-audio", manifest="hls-packed-audio/index.m3u8", duration_s=6,
                                video=None, audio="aac")),
        (hls_audio_ts, Kind(name="hls-audio-ts", manifest="hls-audio-ts/index.m3u8", duration_s=6, video=None, audio="aac")),
        (hls_ts_mp3, Kind(name="hls-ts-mp3", manifest="hls-ts-mp3/index.m3u8", duration_s=6, video="h264", audio="mp3")),
        (hls_fmp4_muxed, Kind(name="hls-fmp4-muxed-audio", manifest="hls-fmp4-muxed-audio/index.m3u8", duration_s=6,
                              video="h264", audio="aac")),
        (hls_codecs, Kind(name="hls-codecs", manifest="hls-codecs/master.m3u8", duration_s=6, video="hevc", audio="aac")),
        (hls_fmp4_aes, Kind(name="hls-fmp4-aes128", manifest="hls-fmp4-aes128/index.m3u8", duration_s=6,
                            video="h264", audio="aac")),
        (dash_vp9_webm, Kind(name="dash-vp9-webm", manifest="dash-vp9-webm/manifest.mpd", duration_s=6, video="vp9",
                             audio="opus", renditions=2)),
        (dash_vp9_fmp4, Kind(name="dash-vp9-fmp4", manifest="dash-vp9-fmp4/manifest.mpd", duration_s=6, video="vp9",
                             audio="opus", renditions=2)),
        (dash_h264_opus, Kind(name="dash-h264-opus", manifest="dash-h264-opus/manifest.mpd", duration_s=6,
                              video="h264", audio="opus", renditions=2)),
        (dash_av1, Kind(name="dash-av1", manifest="dash-av1/manifest.mpd", duration_s=6, video="av1", audio="aac", renditions=2)),
        (dash_split_sets, Kind(name="dash-split-sets", manifest="dash-split-sets/manifest.mpd", duration_s=6,
                               video="h264", audio="aac", renditions=2)),
        (dash_trickplay, Kind(name="dash-trickplay", manifest="dash-trickplay/manifest.mpd", duration_s=6,
                              video="h264", audio="aac", renditions=2)),
        (dash_hevc, Kind(name="dash-hevc", manifest="dash-hevc/manifest.mpd", duration_s=6, video="hevc", audio="aac")),
        (dash_pto, Kind(name="dash-pto", manifest="dash-pto/manifest.mpd", duration_s=6, video="h264", audio="aac",
                        renditions=2)),
        (dash_no_pto, Kind(name="dash-no-pto", manifest="dash-no-pto/manifest.mpd", duration_s=6, video="h264",
                           audio="aac")),
        (dash_rotated, Kind(name="dash-rotated", manifest="dash-rotated/manifest.mpd", duration_s=6, video="h264",
                            audio="aac", rotation=270)),
        (dash_audio, Kind(name="dash-audio-only", manifest="dash-audio-only/manifest.mpd", duration_s=6, video=None, audio="aac")),
        (dash_flac, Kind(name="dash-flac", manifest="dash-flac/manifest.mpd", duration_s=6, video=None, audio="flac")),
        (dash_multiperiod, Kind(name="dash-multi-period", manifest="dash-multi-period/manifest.mpd", duration_s=8,
                                video="h264", audio="aac")),
        (dash_period_codec, Kind(name="dash-period-codec", manifest="dash-period-codec/manifest.mpd", duration_s=8,
                                 video="h264,hevc", audio="aac", streams=2)),
        (dash_period_tracks, Kind(name="dash-period-tracks", manifest="dash-period-tracks/manifest.mpd", duration_s=12,
                                  video="h264", audio="aac", streams=3)),
        (hls_tracks, Kind(name="hls-tracks", manifest="hls-tracks/master.m3u8", duration_s=6, video="h264", audio="aac",
                          audio_languages=("en", "de"), subtitles=(("en", "webvtt"),))),
        (hls_ts_webvtt, Kind(name="hls-ts-webvtt", manifest="hls-ts-webvtt/master.m3u8", duration_s=6, video="h264",
                             audio="aac", subtitles=(("en", "webvtt"),))),
        (hls_ts_webvtt_disc, Kind(name="hls-ts-webvtt-disc", manifest="hls-ts-webvtt-disc/master.m3u8", duration_s=8,
                                  video="h264", audio="aac", subtitles=(("en", "webvtt"),))),
        (hls_audio_codecs, Kind(name="hls-audio-codecs", manifest="hls-audio-codecs/master.m3u8", duration_s=6,
                                video="h264", audio="aac")),
        (dash_tracks, Kind(name="dash-tracks", manifest="dash-tracks/manifest.mpd", duration_s=6, video="h264", audio="aac",
                           audio_languages=("en", "de"),
                           subtitles=(("en", "webvtt"), ("fr", "ttml"), ("es", "wvtt"), ("de", "webvtt")))),
        (dash_cbcs, Kind(name="dash-cbcs", manifest="dash-cbcs/manifest.mpd", duration_s=6, video="h264", audio="aac",
                         needs_key=True)),
        (dash_cenc, Kind(name="dash-cenc-laurl", manifest="dash-cenc-laurl/manifest.mpd", duration_s=6, video="h264",
                         audio="aac", needs_key=True, licence_in_manifest=True)),
    ]
}
# Views over a built kind's files (no builder of their own).
_VIEWS = {
    "hls-fmp4-cbcs": Kind(name="hls-fmp4-cbcs", manifest="dash-cbcs/master.m3u8", duration_s=6, video="h264",
                          audio="aac", needs_key=True),
    "hls-clearkey": Kind(name="hls-clearkey", manifest="dash-cenc-laurl/master.m3u8", duration_s=6, video="h264",
                         audio="aac", needs_key=True, licence_in_manifest=True),
    "dash-cenc-key": Kind(name="dash-cenc-key", manifest="dash-cenc-laurl/nolicence.mpd", duration_s=6, video="h264",
                          audio="aac", needs_key=True),
    "hls-fmp4-rotated": Kind(name="hls-fmp4-rotated", manifest="dash-rotated/index.m3u8", duration_s=6, video="h264",
                             audio="aac", rotation=270),
    "hls-trickplay": Kind(name="hls-trickplay", manifest="dash-trickplay/master.m3u8", duration_s=6, video="h264",
                          audio="aac", renditions=2),
    "hls-ts-gap": Kind(name="hls-ts-gap", manifest="hls-ts-gap/index.m3u8", duration_s=6, video="h264", audio="aac",
                       expect_error="SegmentSkipped"),
    # an HLS ad in another codec: plain libmpv decodes the HEVC ad as H.264 (hundreds of decoder errors); we refuse it
    "hls-ts-ad-codec": Kind(name="hls-ts-ad-codec", manifest="hls-ts-ad-codec/index.m3u8", duration_s=6, video="h264,hevc",
                            audio="aac,ac3", expect_error="TrackChangeUnsupported"),
}
_EXTRA_BUILDERS = {"hls-ts-gap": hls_ts_gap, "hls-ts-ad-codec": hls_ts_ad_codec}


def kinds() -> dict[str, Kind]:
    """Every kind, by name (the order of the supported-formats table)."""
    return {**{name: kind for name, (_, kind) in _BUILDERS.items()}, **_VIEWS}


def build(root: Path, names: list[str] | None = None) -> dict[str, Kind]:
    """Build the kinds ``names`` (default all) under ``root``; a kind whose folder is complete is kept."""
    wanted = kinds() if names is None else {n: kinds()[n] for n in names}
    for kind in wanted.values():
        folder_name = kind.manifest.split("/", 1)[0]
        builder = _BUILDERS[folder_name][0] if folder_name in _BUILDERS else _EXTRA_BUILDERS[folder_name]
        folder = root / folder_name
        if (folder / ".done").exists():
            continue
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        builder(folder)
        (folder / ".done").write_text("")
    return wanted

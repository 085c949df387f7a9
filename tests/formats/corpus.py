"""The format corpus: one short stream of every kind CDNs serve, made with ffmpeg 9 and Shaka Packager.

Why generated, not downloaded: each kind is small (6 s, 2 s segments, 320x180/640x360, x264
``ultrafast``), reproducible on this machine, and its ground truth is known (duration, tracks,
keys). Shared by ``tests/formats`` and ``benchmarks/format_matrix.py``; ``build(root)`` writes
every kind under ``root/<name>/`` (skipping kinds already built) and returns their descriptions.

Kinds ffmpeg cannot make are finished the way a CDN's packager would: fMP4 + AES-128 segments are
encrypted here with ``cryptography``; packed audio gets its ID3 PRIV timestamps here; the
multi-period MPD, discontinuity and EXT-X-GAP playlists and the licence URLs in manifests are
written here from ffmpeg's and Shaka's output.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SECONDS = 6
SEGMENT_S = 2
KEY = bytes.fromhex("00112233445566778899aabbccddeeff")  # AES-128 key and CENC content key
KID = bytes.fromhex("0123456789abcdef0123456789abcdef")
AES_IV = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
SHAKA = Path(__file__).resolve().parents[2] / ".tools/node_modules/shaka-packager/bin/packager-linux-x64"
_X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"]
_LADDER = "[0:v]split=2[a][b];[a]scale=320:180,setsar=1[lo];[b]setsar=1[hi]"
_AAC = ["-c:a", "aac", "-b:a", "64k"]
_DASH = ["-f", "dash", "-seg_duration", str(SEGMENT_S), "-use_template", "1", "-use_timeline", "0",
         "-init_seg_name", "init-$RepresentationID$.$ext$", "-media_seg_name", "seg-$RepresentationID$-$Number$.$ext$"]
_HLS = ["-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod"]


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


def ffmpeg() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def _shaka() -> Path:
    return SHAKA  # `make tools` installs it beside the checkout (`make test` depends on it)


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=180)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed in {cwd.name}: {proc.stderr[-1500:]}")


def _inputs(*, size: str = "640x360", seconds: int = SECONDS, pattern: str = "testsrc2", audio_hz: int = 48000) -> list[str]:
    return [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"{pattern}=size={size}:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={audio_hz}:duration={seconds}"]


def _ladder(video: list[str]) -> list[str]:
    return ["-filter_complex", _LADDER, "-map", "[lo]", "-map", "[hi]", *video, "-b:v:0", "300k", "-b:v:1", "800k"]


def _small(video: list[str]) -> list[str]:
    return ["-map", "0:v", "-vf", "scale=320:180,setsar=1", *video, "-b:v", "300k"]


# ---- HLS, MPEG-TS --------------------------------------------------------------------------

def hls_ts(out: Path) -> None:
    """Two muxed H.264+AAC TS variants (the commonest HLS in the wild)."""
    _run(_inputs() + _ladder(_X264) + ["-map", "1:a", "-map", "1:a", *_AAC, *_HLS, "-var_stream_map", "v:0,a:0 v:1,a:1",
                                        "-master_pl_name", "master.m3u8", "-hls_segment_filename", "v%v_%d.ts", "v%v.m3u8"], out)


def hls_ts_aes(out: Path) -> None:
    """TS + AES-128, the key over HTTP, no IV attribute (IV = media sequence number, RFC 8216 §5.2)."""
    (out / "key.bin").write_bytes(KEY)
    (out / "keyinfo").write_text(f"key.bin\n{out / 'key.bin'}\n")
    _run(_inputs() + _small(_X264) + ["-map", "1:a", *_AAC, *_HLS, "-hls_key_info_file", "keyinfo",
                                      "-hls_segment_filename", "s%d.ts", "index.m3u8"], out)


def hls_ts_disc(out: Path) -> None:
    """Two separately encoded parts (timestamps restart) joined by EXT-X-DISCONTINUITY."""
    for part, pattern in (("a", "testsrc2"), ("b", "testsrc")):
        _run(_inputs(seconds=4, pattern=pattern) + _small(_X264) + ["-map", "1:a", *_AAC, *_HLS,
             "-hls_segment_filename", f"{part}%d.ts", f"{part}.m3u8"], out)
    _join_playlists(out, ["a.m3u8", "b.m3u8"], "index.m3u8", between="#EXT-X-DISCONTINUITY")


def hls_ts_altaudio(out: Path) -> None:
    """A video-only TS variant with an alternate audio rendition (EXT-X-MEDIA TYPE=AUDIO) in its own TS."""
    _run(_inputs() + _small(_X264) + ["-map", "1:a", *_AAC, *_HLS, "-var_stream_map",
         "v:0,agroup:aud a:0,agroup:aud,language:en,name:English,default:yes",
         "-master_pl_name", "master.m3u8", "-hls_segment_filename", "r%v_%d.ts", "r%v.m3u8"], out)


def hls_ts_byterange(out: Path) -> None:
    """One TS file per rendition addressed by EXT-X-BYTERANGE (needs a Range-capable server)."""
    _run(_inputs() + _small(_X264) + ["-map", "1:a", *_AAC, *_HLS, "-hls_flags", "single_file", "index.m3u8"], out)


def hls_ts_gap(out: Path) -> None:
    """A TS playlist whose second segment is an EXT-X-GAP (not served): must end with a named error."""
    hls_ts_aes_free = _inputs() + _small(_X264) + ["-map", "1:a", *_AAC, *_HLS, "-hls_segment_filename", "s%d.ts", "full.m3u8"]
    _run(hls_ts_aes_free, out)
    lines = (out / "full.m3u8").read_text().splitlines()
    at = lines.index("s1.ts")
    lines.insert(at - 1, "#EXT-X-GAP")
    (out / "s1.ts").unlink()
    (out / "index.m3u8").write_text("\n".join(lines) + "\n")


def hls_audio_ts(out: Path) -> None:
    """Audio-only HLS in MPEG-TS segments."""
    _run(_inputs() + ["-map", "1:a", *_AAC, *_HLS, "-hls_segment_filename", "a%d.ts", "index.m3u8"], out)


def hls_packed_audio(out: Path) -> None:
    """Audio-only packed ADTS segments (``.aac``), each led by an ID3 PRIV transportStreamTimestamp."""
    _run(_inputs() + ["-map", "1:a", *_AAC, "-f", "adts", "all.aac"], out)
    frames = _adts_frames((out / "all.aac").read_bytes())
    per_segment = SEGMENT_S * 48000 / 1024
    base = 10 * 90000  # timestamps that do not start at 0, as a live packager's do
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_S}", "#EXT-X-PLAYLIST-TYPE:VOD"]
    n, first = 0, 0
    while first < len(frames):
        last = min(len(frames), int(round((n + 1) * per_segment)))
        pts = base + first * 1024 * 90000 // 48000
        (out / f"a{n}.aac").write_bytes(id3_timestamp(pts) + b"".join(frames[first:last]))
        lines += [f"#EXTINF:{(last - first) * 1024 / 48000:.6f},", f"a{n}.aac"]
        n, first = n + 1, last
    (out / "index.m3u8").write_text("\n".join(lines + ["#EXT-X-ENDLIST"]) + "\n")
    (out / "all.aac").unlink()


def hls_ts_mp3(out: Path) -> None:
    """TS variant with H.264 video and MP3 audio (older encoders' default)."""
    _run(_inputs() + _small(_X264) + ["-map", "1:a", "-c:a", "libmp3lame", "-b:a", "64k", *_HLS,
                                      "-hls_segment_filename", "s%d.ts", "index.m3u8"], out)


# ---- HLS, fMP4 -----------------------------------------------------------------------------

def hls_fmp4_muxed(out: Path) -> None:
    """fMP4 HLS whose variant carries audio in the same segments (no separate audio rendition)."""
    _run(_inputs() + _small(_X264) + ["-map", "1:a", *_AAC, *_HLS, "-hls_segment_type", "fmp4",
                                      "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", "s%d.m4s", "index.m3u8"], out)


def hls_fmp4_aes(out: Path) -> None:
    """fMP4 + AES-128 (ffmpeg refuses it): segments encrypted here, init left clear, explicit IV."""
    _run(_inputs() + _small(_X264) + ["-map", "1:a", *_AAC, *_HLS, "-hls_segment_type", "fmp4",
                                      "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", "s%d.m4s", "clear.m3u8"], out)
    (out / "key.bin").write_bytes(KEY)
    lines = []
    for line in (out / "clear.m3u8").read_text().splitlines():
        lines.append(line)
        if line.startswith("#EXT-X-MAP"):
            lines.append(f'#EXT-X-KEY:METHOD=AES-128,URI="key.bin",IV=0x{AES_IV.hex()}')
        elif line.endswith(".m4s"):
            path = out / line
            path.write_bytes(aes128_encrypt(path.read_bytes(), KEY, AES_IV))
    (out / "index.m3u8").write_text("\n".join(lines) + "\n")
    (out / "clear.m3u8").unlink()


# ---- DASH ----------------------------------------------------------------------------------

_VP9 = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-g", "50", "-keyint_min", "50", "-row-mt", "1"]
_OPUS = ["-c:a", "libopus", "-b:a", "64k"]


def dash_vp9_webm(out: Path) -> None:
    """VP9 + Opus in WebM segments, two video renditions."""
    _run(_inputs() + _ladder(_VP9) + ["-map", "1:a", *_OPUS, *_DASH, "-dash_segment_type", "webm",
                                      "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_vp9_fmp4(out: Path) -> None:
    """VP9 + Opus in fMP4 segments, two video renditions."""
    _run(_inputs() + _ladder(_VP9) + ["-map", "1:a", *_OPUS, *_DASH, "-dash_segment_type", "mp4",
                                      "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_h264_opus(out: Path) -> None:
    """H.264 + Opus in fMP4 (CMAF allows it; MPEG-TS cannot carry Opus), two video renditions."""
    _run(_inputs() + _ladder(_X264) + ["-map", "1:a", *_OPUS, *_DASH, "-dash_segment_type", "mp4",
                                       "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_av1(out: Path) -> None:
    """AV1 (SVT-AV1) + AAC in fMP4, two video renditions."""
    av1 = ["-c:v", "libsvtav1", "-preset", "12", "-g", "50", "-svtav1-params", "keyint=50"]
    _run(_inputs() + _ladder(av1) + ["-map", "1:a", *_AAC, *_DASH,
                                     "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_hevc(out: Path) -> None:
    """HEVC (x265, ``hvc1``) + AAC in fMP4."""
    x265 = ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-x265-params", "keyint=50:min-keyint=50:log-level=error"]
    _run(_inputs() + _small(x265) + ["-map", "1:a", *_AAC, *_DASH,
                                     "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"], out)


def dash_audio(out: Path) -> None:
    """Audio-only DASH (AAC in fMP4)."""
    _run(_inputs() + ["-map", "1:a", *_AAC, *_DASH, "manifest.mpd"], out)


def dash_flac(out: Path) -> None:
    """Audio-only DASH with lossless FLAC in fMP4 (``fLaC`` sample entry, ISO/IEC 14496-12 FLAC mapping)."""
    _run(_inputs() + ["-map", "1:a", "-c:a", "flac", *_DASH, "manifest.mpd"], out)


def dash_multiperiod(out: Path) -> None:
    """Two periods; the second changes resolution, video timescale and audio sample rate, and its
    timestamps restart at 0 (each period packaged on its own, as an ad insertion would be)."""
    parts = []
    for name, size, timescale, hz in (("p0", "320x180", "12800", 48000), ("p1", "640x360", "90000", 44100)):
        (out / name).mkdir()
        _run(_inputs(seconds=4, size=size, audio_hz=hz) + ["-map", "0:v", *_X264, "-b:v", "400k", "-video_track_timescale",
             timescale, "-map", "1:a", *_AAC, *_DASH, "-adaptation_sets", "id=0,streams=v id=1,streams=a", "manifest.mpd"],
             out / name)
        parts.append(name)
    _join_periods(out, parts)


def _period_parts(out: Path, parts: list[tuple[str, list[str], bool]]) -> None:
    """Package each Period on its own (4 s; its video args; with audio or not), then join them into one MPD."""
    for name, video, with_audio in parts:
        (out / name).mkdir()
        audio = ["-map", "1:a", *_AAC] if with_audio else []
        sets = "id=0,streams=v id=1,streams=a" if with_audio else "id=0,streams=v"
        _run(_inputs(seconds=4) + ["-map", "0:v", *video, "-b:v", "400k", *audio, *_DASH, "-adaptation_sets", sets,
                                   "manifest.mpd"], out / name)
    _join_periods(out, [name for name, _, _ in parts])


def dash_period_codec(out: Path) -> None:
    """Two Periods whose video codec changes, H.264 320x180 → HEVC 640x360 (an ad spliced into a title)."""
    x265 = ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-x265-params", "keyint=50:min-keyint=50:log-level=error"]
    _period_parts(out, [("p0", ["-vf", "scale=320:180,setsar=1", *_X264], True), ("p1", x265, True)])


def dash_period_tracks(out: Path) -> None:
    """Three Periods whose track set changes: video+audio, then video alone (audio dropped), then audio again."""
    small = ["-vf", "scale=320:180,setsar=1", *_X264]
    _period_parts(out, [("p0", small, True), ("p1", small, False), ("p2", small, True)])


def dash_cenc(out: Path) -> None:
    """CENC DASH (Shaka Packager, ClearKey PSSH) whose MPD names its licence server: ``dashif:laurl``
    on the video and the older ``clearkey:Laurl`` on the audio (relative: the test server serves it)."""
    _shaka_protected(out, "cenc")
    mpd = (out / "manifest.mpd").read_text()
    laurls = iter([
        '<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">'
        '<dashif:laurl xmlns:dashif="https://dashif.org/CPS">license</dashif:laurl></ContentProtection>',
        '<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">'
        '<clearkey:Laurl xmlns:clearkey="http://dashif.org/guidelines/clearKey" Lic_type="EME-1.0">license</clearkey:Laurl>'
        '</ContentProtection>',
    ])
    mpd = re.sub(r"(<AdaptationSet[^>]*>)", lambda m: m.group(1) + next(laurls), mpd)
    (out / "manifest.mpd").write_text(mpd)
    (out / "nolicence.mpd").write_text(re.sub(r"<ContentProtection schemeIdUri=\"urn:uuid:e2719d58.*?</ContentProtection>",
                                              "", mpd))
    # HLS over the same segments, keyed by W3C ClearKey: KEYFORMAT="org.w3.clearkey", URI = licence server
    for playlist in out.glob("*.m3u8"):
        text = re.sub(r"#EXT-X-KEY:[^\n]*", f'#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="org.w3.clearkey",'
                      f'KEYFORMATVERSIONS="1",KEYID=0x{KID.hex()},URI="license"', playlist.read_text())
        playlist.write_text(text)


def dash_cbcs(out: Path) -> None:
    """``cbcs`` (AES-CBC, 1:9 pattern: CMAF's SAMPLE-AES) by Shaka Packager: DASH, and HLS fMP4 with
    ``METHOD=SAMPLE-AES`` over the same segments; the key is given with ``--key``."""
    _shaka_protected(out, "cbcs")


def _shaka_protected(out: Path, scheme: str) -> None:
    """H.264 + AAC encrypted by Shaka Packager with the W3C ClearKey PSSH, DASH and HLS over one set of segments."""
    _run(_inputs() + _small(_X264) + ["-an", "-bf", "0", "video.mp4", "-map", "1:a", *_AAC, "-vn", "audio.mp4"], out)
    _run([str(_shaka()), "--quiet",
          "in=video.mp4,stream=video,init_segment=v/init.mp4,segment_template=v/$Number$.m4s",
          "in=audio.mp4,stream=audio,init_segment=a/init.mp4,segment_template=a/$Number$.m4s",
          "--segment_duration", str(SEGMENT_S), "--generate_static_live_mpd", "--mpd_output", "manifest.mpd",
          "--enable_raw_key_encryption", "--keys", f"label=:key_id={KID.hex()}:key={KEY.hex()}",
          "--protection_scheme", scheme, "--protection_systems", "CommonSystem", "--clear_lead", "0",
          "--hls_master_playlist_output", "master.m3u8"], out)
    for name in ("video.mp4", "audio.mp4"):
        (out / name).unlink()


# ---- several audio languages and subtitles ------------------------------------------------------

CUES = (("00:00:00.500", "00:00:02.500", "Hello from the first cue"),
        ("00:00:03.000", "00:00:05.500", "A second cue, across a segment boundary"))


def _webvtt(prefix: str) -> str:
    return "WEBVTT\n\n" + "\n\n".join(f"{a} --> {b}\n{prefix}{text}" for a, b, text in CUES) + "\n"


def _two_languages(out: Path) -> list[str]:
    """Inputs: the picture, English audio (440 Hz), German audio (660 Hz); English WebVTT written beside."""
    (out / "subs_en.vtt").write_text(_webvtt(""))
    return _inputs(size="320x180") + ["-f", "lavfi", "-i", f"sine=frequency=660:sample_rate=48000:duration={SECONDS}"]


def hls_tracks(out: Path) -> None:
    """HLS (ffmpeg): two alternate audio renditions (en, de) and segmented WebVTT subtitles (en)."""
    _run(_two_languages(out) + ["-i", "subs_en.vtt", "-map", "0:v", *_X264, "-b:v", "300k", "-map", "1:a", "-map", "2:a", *_AAC,
                                "-map", "3:s", "-c:s", "webvtt", *_HLS, "-var_stream_map",
                                "v:0,s:0,agroup:aud,sgroup:subs,language:en a:0,agroup:aud,language:en,default:yes "
                                "a:1,agroup:aud,language:de", "-master_pl_name", "master.m3u8",
                                "-hls_segment_filename", "r%v_%d.ts", "r%v.m3u8"], out)
    (out / "subs_en.vtt").unlink()


def dash_tracks(out: Path) -> None:
    """DASH (Shaka Packager): audio in en and de, segmented WebVTT (en), TTML in fMP4 (``stpp``, fr), and a
    WebVTT sidecar (de: one whole file by BaseURL, added to the MPD here as a CDN's manifest would list it)."""
    _run(_two_languages(out) + [
        "-map", "0:v", *_X264, "-bf", "0", "-an", "video.mp4", "-map", "1:a", *_AAC, "en.mp4",
        "-map", "2:a", *_AAC, "de.mp4"], out)
    (out / "subs_fr.vtt").write_text(_webvtt("fr: "))
    (out / "subs_de.vtt").write_text(_webvtt("de: "))
    _run([str(_shaka()), "--quiet",
          "in=video.mp4,stream=video,init_segment=v/init.mp4,segment_template=v/$Number$.m4s",
          "in=en.mp4,stream=audio,language=en,init_segment=en/init.mp4,segment_template=en/$Number$.m4s",
          "in=de.mp4,stream=audio,language=de,init_segment=de/init.mp4,segment_template=de/$Number$.m4s",
          "in=subs_en.vtt,stream=text,language=en,segment_template=ten/$Number$.vtt",
          "in=subs_fr.vtt,stream=text,language=fr,format=ttml+mp4,init_segment=tfr/init.mp4,segment_template=tfr/$Number$.m4s",
          "--segment_duration", str(SEGMENT_S), "--generate_static_live_mpd", "--mpd_output", "manifest.mpd"], out)
    sidecar = ('<AdaptationSet contentType="text" lang="de" mimeType="text/vtt"><Role schemeIdUri="urn:mpeg:dash:role:2011" '
               'value="subtitle"/><Representation id="sidecar-de" bandwidth="256"><BaseURL>subs_de.vtt</BaseURL>'
               '</Representation></AdaptationSet>')
    mpd = (out / "manifest.mpd").read_text()
    (out / "manifest.mpd").write_text(mpd.replace("</Period>", sidecar + "</Period>"))
    for name in ("video.mp4", "en.mp4", "de.mp4", "subs_en.vtt", "subs_fr.vtt"):
        (out / name).unlink()


# ---- helpers a packager would be --------------------------------------------------------------

def aes128_encrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """Whole-segment AES-128-CBC with PKCS#7 padding (RFC 8216 §4.3.2.4)."""
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


def id3_timestamp(pts_90k: int) -> bytes:
    """An ID3v2.4 tag with the PRIV frame HLS packed audio starts with (RFC 8216 §3.4)."""
    body = b"com.apple.streaming.transportStreamTimestamp\x00" + (pts_90k & ((1 << 33) - 1)).to_bytes(8, "big")
    frame = b"PRIV" + _synchsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + _synchsafe(len(frame)) + frame


def _synchsafe(n: int) -> bytes:
    return bytes(((n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F))


def _adts_frames(data: bytes) -> list[bytes]:
    frames, pos = [], 0
    while pos + 7 <= len(data):
        if data[pos] != 0xFF or data[pos + 1] & 0xF0 != 0xF0:
            raise RuntimeError("ffmpeg's ADTS output lost sync")
        size = ((data[pos + 3] & 0x03) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        frames.append(data[pos:pos + size])
        pos += size
    return frames


def _join_playlists(out: Path, parts: list[str], name: str, *, between: str) -> None:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_S}", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for i, part in enumerate(parts):
        body = [ln for ln in (out / part).read_text().splitlines() if ln.startswith("#EXTINF") or not ln.startswith("#")]
        lines += ([between] if i else []) + [ln for ln in body if ln]
        (out / part).unlink()
    (out / name).write_text("\n".join(lines + ["#EXT-X-ENDLIST"]) + "\n")


def _join_periods(out: Path, parts: list[str]) -> None:
    ns = "urn:mpeg:dash:schema:mpd:2011"
    ET.register_namespace("", ns)
    root: ET.Element | None = None
    start = 0.0
    for part in parts:
        doc = ET.parse(out / part / "manifest.mpd").getroot()
        period = doc.find(f"{{{ns}}}Period")
        assert period is not None
        duration = doc.get("mediaPresentationDuration", "PT0S")
        seconds = float(re.fullmatch(r"PT(?:0H)?(?:0M)?([\d.]+)S", duration).group(1))  # type: ignore[union-attr]
        period.set("id", part)
        period.set("start", f"PT{start:.3f}S")
        period.attrib.pop("duration", None)
        for tpl in period.iter(f"{{{ns}}}SegmentTemplate"):
            for attr in ("initialization", "media"):
                tpl.set(attr, f"{part}/{tpl.get(attr)}")
        if root is None:
            root = doc
            for old in root.findall(f"{{{ns}}}Period"):
                root.remove(old)
        root.append(period)
        start += seconds
    assert root is not None
    root.set("mediaPresentationDuration", f"PT{start:.3f}S")
    ET.ElementTree(root).write(out / "manifest.mpd", xml_declaration=True, encoding="utf-8")


# ---- the table of kinds ------------------------------------------------------------------------

_BUILDERS: dict[str, tuple[Callable[[Path], None], Kind]] = {
    k.name: (b, k) for b, k in [
        (hls_ts, Kind(name="hls-ts", manifest="hls-ts/master.m3u8", duration_s=6, video="h264", audio="aac", renditions=2)),
        (hls_ts_aes, Kind(name="hls-ts-aes128", manifest="hls-ts-aes128/index.m3u8", duration_s=6, video="h264", audio="aac")),
        (hls_ts_disc, Kind(name="hls-ts-discontinuity", manifest="hls-ts-discontinuity/index.m3u8", duration_s=8,
                           video="h264", audio="aac")),
        (hls_ts_altaudio, Kind(name="hls-ts-alt-audio", manifest="hls-ts-alt-audio/master.m3u8", duration_s=6,
                               video="h264", audio="aac")),
        (hls_ts_byterange, Kind(name="hls-ts-byterange", manifest="hls-ts-byterange/index.m3u8", duration_s=6,
                                video="h264", audio="aac")),
        (hls_packed_audio, Kind(name="hls-packed-audio", manifest="hls-packed-audio/index.m3u8", duration_s=6,
                                video=None, audio="aac")),
        (hls_audio_ts, Kind(name="hls-audio-ts", manifest="hls-audio-ts/index.m3u8", duration_s=6, video=None, audio="aac")),
        (hls_ts_mp3, Kind(name="hls-ts-mp3", manifest="hls-ts-mp3/index.m3u8", duration_s=6, video="h264", audio="mp3")),
        (hls_fmp4_muxed, Kind(name="hls-fmp4-muxed-audio", manifest="hls-fmp4-muxed-audio/index.m3u8", duration_s=6,
                              video="h264", audio="aac")),
        (hls_fmp4_aes, Kind(name="hls-fmp4-aes128", manifest="hls-fmp4-aes128/index.m3u8", duration_s=6,
                            video="h264", audio="aac")),
        (dash_vp9_webm, Kind(name="dash-vp9-webm", manifest="dash-vp9-webm/manifest.mpd", duration_s=6, video="vp9",
                             audio="opus", renditions=2)),
        (dash_vp9_fmp4, Kind(name="dash-vp9-fmp4", manifest="dash-vp9-fmp4/manifest.mpd", duration_s=6, video="vp9",
                             audio="opus", renditions=2)),
        (dash_h264_opus, Kind(name="dash-h264-opus", manifest="dash-h264-opus/manifest.mpd", duration_s=6,
                              video="h264", audio="opus", renditions=2)),
        (dash_av1, Kind(name="dash-av1", manifest="dash-av1/manifest.mpd", duration_s=6, video="av1", audio="aac", renditions=2)),
        (dash_hevc, Kind(name="dash-hevc", manifest="dash-hevc/manifest.mpd", duration_s=6, video="hevc", audio="aac")),
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
        (dash_tracks, Kind(name="dash-tracks", manifest="dash-tracks/manifest.mpd", duration_s=6, video="h264", audio="aac",
                           audio_languages=("en", "de"), subtitles=(("en", "webvtt"), ("fr", "ttml"), ("de", "webvtt")))),
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
    "hls-ts-gap": Kind(name="hls-ts-gap", manifest="hls-ts-gap/index.m3u8", duration_s=6, video="h264", audio="aac",
                       expect_error="SegmentSkipped"),
}
_EXTRA_BUILDERS = {"hls-ts-gap": hls_ts_gap}


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

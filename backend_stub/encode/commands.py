"""Pure builders for the two command lines of an encode: one ffmpeg run, one packager run.

No I/O here, so the exact arguments are unit-testable. Why one ffmpeg with ``split``: the source is
decoded (or generated) once and every rung's x264 runs in its own threads, which keeps both cores
busy. Keyframes sit exactly every ``segment_s`` seconds (fixed GOP, ``-sc_threshold 0`` and
``-force_key_frames``), so every rung cuts into aligned 2 s CMAF segments (ISO/IEC 23000-19).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .cenc import ContentKey
from .ladder import Rung
from .source import Source

AUDIO_KBPS = 128
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "it": "Italiano"}


@dataclass(frozen=True, kw_only=True)
class EncodeSettings:
    """x264 knobs: ``ultrafast`` (no B-frames, so no edit lists) keeps a 2-core box fast enough."""

    preset: str = "ultrafast"
    crf: int = 23
    segment_s: int = 2
    audio_kbps: int = AUDIO_KBPS


def output_fps(source: Source) -> int:
    """Whole frames per second, so a 2 s GOP is a whole number of frames (29.97 becomes 30)."""
    return max(1, min(60, round(float(source.fps))))


def video_file(rung: Rung) -> str:
    return f"{rung.name}.mp4"


def audio_file(lang: str) -> str:
    return f"a_{lang}.mp4"


def subtitle_file(lang: str) -> str:
    return f"t_{lang}.vtt"


def encode_command(ffmpeg: str, source: Source, rungs: Sequence[Rung], work_dir: Path, settings: EncodeSettings) -> list[str]:
    """ffmpeg argv writing ``v<h>.mp4`` per rung and ``a_<lang>.mp4`` per audio language into ``work_dir``."""
    fps = output_fps(source)
    gop = fps * settings.segment_s
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-progress", "pipe:1", "-nostats"]
    for group in source.inputs:
        argv += list(group)
    labels = "".join(f"[s{i}]" for i in range(len(rungs)))
    graph = [f"[{source.video_map}]fps={fps},split={len(rungs)}{labels}"]
    graph += [f"[s{i}]scale={r.width}:{r.height}:flags=bilinear,setsar=1,format=yuv420p[o{i}]" for i, r in enumerate(rungs)]
    argv += ["-filter_complex", ";".join(graph)]
    for i, r in enumerate(rungs):
        argv += [
            "-map", f"[o{i}]", "-an", "-sn",
            "-c:v", "libx264", "-preset", settings.preset, "-crf", str(settings.crf),
            "-maxrate", f"{r.max_kbps}k", "-bufsize", f"{r.max_kbps}k",
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
            "-force_key_frames", f"expr:gte(t,n_forced*{settings.segment_s})",
            "-t", f"{source.duration_s:.3f}",
            str(work_dir / video_file(r)),
        ]
    for a in source.audio:
        argv += [
            "-map", a.map, "-vn", "-sn",
            "-c:a", "aac", "-b:a", f"{settings.audio_kbps}k", "-ac", "2", "-ar", "48000",
            "-metadata:s:a:0", f"language={a.lang}",
            "-t", f"{source.duration_s:.3f}",
            str(work_dir / audio_file(a.lang)),
        ]
    return argv


def package_command(
    packager: str,
    work_dir: Path,
    rungs: Sequence[Rung],
    audio_langs: Sequence[str],
    subtitle_langs: Sequence[str],
    *,
    key: ContentKey | None,
    segment_s: int = 2,
) -> list[str]:
    """Shaka Packager argv (run with cwd = the title folder) writing HLS + DASH over one set of CMAF segments.

    Layout: ``<stem>/init.mp4`` + ``<stem>/<n>.m4s`` + ``<stem>.m3u8`` per rung/language
    (stems ``v<h>``, ``a_<lang>``), ``t_<lang>/<n>.vtt`` for subtitles, ``manifest.mpd``, ``master.m3u8``.
    With a key: ``cenc`` scheme, no clear lead, W3C ClearKey PSSH (``CommonSystem``).
    """
    argv = [packager]
    for r in rungs:
        argv.append(
            f"in={work_dir / video_file(r)},stream=video,init_segment={r.name}/init.mp4,"
            f"segment_template={r.name}/$Number$.m4s,playlist_name={r.name}.m3u8"
        )
    for lang in audio_langs:
        stem = f"a_{lang}"
        argv.append(
            f"in={work_dir / audio_file(lang)},stream=audio,init_segment={stem}/init.mp4,"
            f"segment_template={stem}/$Number$.m4s,playlist_name={stem}.m3u8,"
            f"hls_group_id=audio,hls_name={LANGUAGE_NAMES.get(lang, lang)},language={lang}"
        )
    for lang in subtitle_langs:
        stem = f"t_{lang}"
        argv.append(
            f"in={work_dir / subtitle_file(lang)},stream=text,segment_template={stem}/$Number$.vtt,"
            f"playlist_name={stem}.m3u8,hls_group_id=subs,hls_name={LANGUAGE_NAMES.get(lang, lang)},language={lang}"
        )
    argv += [
        "--segment_duration", str(segment_s),
        "--generate_static_live_mpd",
        "--mpd_output", "manifest.mpd",
        "--hls_master_playlist_output", "master.m3u8",
        "--hls_playlist_type", "VOD",
    ]
    if audio_langs:
        argv += ["--default_language", audio_langs[0]]
    if key is not None:
        argv += [
            "--enable_raw_key_encryption",
            "--keys", f"label=:key_id={key.kid_hex}:key={key.key_hex}",
            "--protection_scheme", "cenc",
            "--protection_systems", "CommonSystem",
            "--clear_lead", "0",
        ]
    return argv

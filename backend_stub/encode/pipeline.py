"""One title from source to a complete packaged folder (not yet published).

Stages and their share of the progress bar: ffmpeg encode (0–0.85, from ``-progress`` out_time),
Shaka packaging (0.85–0.95), HLS key patching + artwork + thumbnail sprites (→1.0). Everything is written under
``out_dir``; intermediates go to ``work_dir`` and are left for the caller to delete with the staging folder.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .artwork import write_title_art
from .cenc import ContentKey, patch_media_playlist
from .commands import EncodeSettings, encode_command, package_command, subtitle_file, video_file
from .errors import SourceError
from .ladder import Rung
from .models import TitleMeta
from .runner import run
from .thumbnails import add_thumbnails
from .source import Source
from .tools import Tools

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]


@dataclass(frozen=True, kw_only=True)
class EncodeRequest:
    """Everything one encode needs; ``key`` is set for protected titles."""

    source: Source
    meta: TitleMeta
    rungs: tuple[Rung, ...]
    key: ContentKey | None
    settings: EncodeSettings = EncodeSettings()


def _progress_parser(duration_s: float, progress: Progress, lo: float, hi: float) -> Callable[[str], None]:
    def on_line(line: str) -> None:
        name, _, value = line.partition("=")
        if name == "out_time_us" and value.strip().lstrip("-").isdigit() and duration_s > 0:
            frac = min(1.0, max(0.0, int(value) / 1e6 / duration_s))
            progress(lo + (hi - lo) * frac, "encoding")

    return on_line


def _read_subtitles(subtitles: Sequence[tuple[str, Path]], work_dir: Path) -> list[str]:
    langs = []
    for lang, path in subtitles:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"subtitles {lang}: unreadable ({type(exc).__name__})") from None
        if not text.lstrip("\ufeff").startswith("WEBVTT"):
            raise SourceError(f"subtitles {lang}: not a WebVTT file")
        (work_dir / subtitle_file(lang)).write_text(text, encoding="utf-8")
        langs.append(lang)
    return langs


def encode_title(
    req: EncodeRequest,
    *,
    tools: Tools,
    out_dir: Path,
    work_dir: Path,
    progress: Progress = lambda f, m: None,
    cancel: Cancel = lambda: False,
) -> None:
    """Encode and package ``req`` into ``out_dir``; raises :class:`~.errors.EncodeError` subclasses."""
    out_dir.mkdir(parents=True, exist_ok=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    sub_langs = _read_subtitles(req.meta.subtitles, work_dir)
    progress(0.0, "encoding")
    run(
        encode_command(tools.ffmpeg, req.source, req.rungs, work_dir, req.settings),
        cwd=work_dir,
        stderr_path=work_dir / "ffmpeg.log",
        cancel=cancel,
        on_line=_progress_parser(req.source.duration_s, progress, 0.0, 0.85),
    )
    progress(0.85, "packaging")
    audio_langs = [a.lang for a in req.source.audio]
    run(
        package_command(tools.packager, work_dir, req.rungs, audio_langs, sub_langs, key=req.key, segment_s=req.settings.segment_s),
        cwd=out_dir,
        stderr_path=work_dir / "packager.log",
        cancel=cancel,
        redact=(req.key.key_hex,) if req.key else (),
    )
    if req.key is not None:
        for playlist in out_dir.glob("*.m3u8"):
            if playlist.name != "master.m3u8":
                playlist.write_text(patch_media_playlist(playlist.read_text(), req.key.kid))
    top = max(req.rungs, key=lambda r: r.height)
    write_title_art(out_dir, video=work_dir / video_file(top), duration_s=req.source.duration_s, name=req.meta.name,
                    ffmpeg=tools.ffmpeg, work_dir=work_dir)
    low = min(req.rungs, key=lambda r: r.height)  # the smallest rung decodes fastest; tiles are 160 px anyway
    add_thumbnails(out_dir, video=work_dir / video_file(low), duration_s=req.source.duration_s,
                   interval_s=req.settings.segment_s, ffmpeg=tools.ffmpeg)
    progress(1.0, "packaged")

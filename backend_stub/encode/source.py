"""What gets encoded: a probed upload or a generated (lavfi) picture, as ffmpeg inputs and stream maps.

Probing uses PyAV (there is no ffprobe in the static ffmpeg). Anything PyAV cannot open, or that has
no video stream or no usable duration, is a :class:`SourceError` — the job fails with that reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from .errors import SourceError, SourceMissingError


@dataclass(frozen=True, kw_only=True)
class AudioInput:
    """One audio language: the ffmpeg ``-map`` specifier that selects it and its BCP-47 code."""

    lang: str
    map: str


@dataclass(frozen=True, kw_only=True)
class Source:
    """ffmpeg inputs (each a group of args ending in ``-i X``) plus the maps of the streams we use."""

    inputs: tuple[tuple[str, ...], ...]
    video_map: str
    audio: tuple[AudioInput, ...]
    width: int
    height: int
    fps: Fraction
    duration_s: float


def _positive_fps(stream: av.video.stream.VideoStream) -> Fraction:
    rate = stream.average_rate or stream.base_rate or stream.guessed_rate
    if not rate or rate <= 0 or rate > 240:
        return Fraction(25)
    return Fraction(rate).limit_denominator(1001)


def probe_file(path: Path, audio_langs: tuple[str, ...] = ("en",)) -> Source:
    """Open ``path`` with PyAV and describe it; the i-th audio stream gets ``audio_langs[i]``.

    Decodes one frame so that a file with a valid header but garbage inside is caught here,
    before a job spends minutes in ffmpeg.
    """
    if not path.is_file():
        raise SourceMissingError(f"source file not found: {path.name}")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise SourceError(f"{path.name}: no video stream (not a video file)")
            vs = container.streams.video[0]
            width, height = vs.codec_context.width, vs.codec_context.height
            if width <= 0 or height <= 0:
                raise SourceError(f"{path.name}: video stream has no frame size")
            duration = float(container.duration / av.time_base) if container.duration else 0.0
            if duration <= 0 and vs.duration and vs.time_base:
                duration = float(vs.duration * vs.time_base)
            if duration <= 0:
                raise SourceError(f"{path.name}: unknown duration")
            fps = _positive_fps(vs)
            first = next(container.decode(vs), None)
            if first is None:
                raise SourceError(f"{path.name}: no decodable video frame")
            n_audio = len(container.streams.audio)
    except SourceError:
        raise
    except (av.FFmpegError, StopIteration, ValueError, OSError) as exc:
        raise SourceError(f"{path.name}: not a readable video ({type(exc).__name__}: {exc})") from None
    langs = audio_langs[: max(n_audio, 0)]
    audio = tuple(AudioInput(lang=lang, map=f"0:a:{i}") for i, lang in enumerate(langs))
    return Source(
        inputs=(("-i", str(path)),),
        video_map="0:v:0",
        audio=audio,
        width=width,
        height=height,
        fps=fps,
        duration_s=duration,
    )


def lavfi_source(
    video_graph: str,
    *,
    width: int,
    height: int,
    fps: int,
    duration_s: float,
    tones: tuple[tuple[str, int], ...] = (("en", 440),),
) -> Source:
    """A generated source: ``video_graph`` (a lavfi graph producing WxH at fps) plus one sine tone per language.

    The graph is used as-is with ``-t`` limiting it, so generators that run forever are fine.
    """
    inputs: list[tuple[str, ...]] = [("-f", "lavfi", "-t", f"{duration_s:g}", "-i", video_graph)]
    audio = []
    for i, (lang, freq) in enumerate(tones, start=1):
        inputs.append(("-f", "lavfi", "-t", f"{duration_s:g}", "-i", f"sine=frequency={freq}:sample_rate=48000"))
        audio.append(AudioInput(lang=lang, map=f"{i}:a:0"))
    return Source(
        inputs=tuple(inputs),
        video_map="0:v:0",
        audio=tuple(audio),
        width=width,
        height=height,
        fps=Fraction(fps),
        duration_s=duration_s,
    )

"""WebVTT carried in ISO-BMFF (``wvtt``, ISO/IEC 14496-30 §7) → cues, pure: no I/O.

CMAF text tracks (Shaka Packager's ``format=vtt+mp4``, Unified Streaming, Apple's fMP4 subtitles) carry WebVTT
as fMP4 samples, not as text: each sample is ``vtte`` (no cue showing) or one ``vttc`` box per cue showing
throughout it, with the cue text (``payl``), its settings (``sttg``) and id (``iden``). A sample's time is the
track's (``tfdt`` plus the durations before it); a cue showing across samples is repeated in each, and
:func:`~player.ttml.merge_cues` joins the pieces again. Each segment is placed at its manifest start, so a
``presentationTimeOffset`` or a Period start moves the cues with the media.
"""
from __future__ import annotations

from collections.abc import Iterable

from player.feed.isobmff import iter_boxes, media_timescale, timed_samples
from player.ttml import Cue, SubtitleFormatError


def wvtt_cues(init: bytes, segments: Iterable[tuple[float, bytes]]) -> list[Cue]:
    """The cues of a ``wvtt`` track: its init segment, and each media segment with its start on the timeline."""
    timescale = media_timescale(init)
    if not timescale:
        raise SubtitleFormatError("wvtt track without a media timescale (no mdhd in its init segment)")
    cues: list[Cue] = []
    for start_s, segment in segments:
        samples = timed_samples(segment)
        first = samples[0][0] if samples else 0
        for time, duration, body in samples:
            begin = start_s + (time - first) / timescale
            cues += [Cue(round(begin, 3), round(begin + duration / timescale, 3), text, settings)
                     for text, settings in _vttc_boxes(body) if duration > 0]
    return cues


def _vttc_boxes(sample: bytes) -> list[tuple[str, str]]:
    """(cue text, settings) of each ``vttc`` in a sample; ``vtte`` and other boxes give none."""
    cues = []
    for kind, start, end in iter_boxes(sample):
        if kind != b"vttc":
            continue
        parts = {k: sample[s:e].decode("utf-8", errors="replace") for k, s, e in iter_boxes(sample, start, end)}
        text = parts.get(b"payl", "").strip()
        if text:
            cues.append((text, parts.get(b"sttg", "").strip()))
    return cues

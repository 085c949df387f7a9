"""Silent audio frames for a stretch of a muxed variant that carries no audio (an ad slate, a bumper).

Why: RFC 8216 §4.3.2.3 lets a discontinuity change the number of tracks, and SSAI slates often have
video only. Our one continuous stream then has an audio track with a gap, which libmpv treats as
lost audio (its clock runs ahead, ~1.6× on session 41's slate) and the play read as incomplete.
Filling the gap with silence is what hls.js does for the same case (its remuxer inserts silent AAC
frames). The frames are encoded here, once per codec and configuration, by PyAV's own encoders; a
codec we cannot match (HE-AAC, whose ADTS header describes only its core) gets none, and the gap
stays a named hole.
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av

from .bitstream import AdtsConfig, adts_frame, is_adts
from .errors import SegmentFormatError
from .segment_reader import TS_CLOCK, DemuxedSegment, Sample, demux_container

#: encoders for the codecs a muxed variant carries (TS and CMAF); a frame of silence from each decodes as silence
_ENCODERS = {"aac": "aac", "ac3": "ac3", "eac3": "eac3", "mp3": "libmp3lame"}
_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
_AAC_LC = 1  # ADTS profile field: audio object type 2 minus one
_WARM_UP = 4  # frames encoded before the one kept: the first carry the encoder's priming
_PLACEHOLDER_RATE = 48000  # ADTS sampling index 3
_TOUCHING_S = 0.1  # stretches this close are one (frame rounding between segments)
_AOT_LC = 2  # AudioSpecificConfig audioObjectType of AAC-LC; HE-AAC (5, 29) decodes at twice its core rate


@dataclass(frozen=True)
class Stretch:
    """Stream time (seconds) whose segments carried no audio (silence fed there) or no picture (the last one held)."""

    from_s: float
    to_s: float


def placeholder_aac() -> DemuxedSegment | None:
    """A silent AAC-LC track (48 kHz stereo, ADTS in MPEG-TS) with its input stream open as a muxer's template: the
    audio a muxed variant promises, for a stream that starts where its segments carry none (a pre-roll slate, a
    start or live join inside one). Its later real audio joins the same track: ADTS carries each frame's own
    configuration. The caller owns the template (:func:`~.segment_reader.release`); None if no encoder."""
    encoded = _encoded_silence("aac", _PLACEHOLDER_RATE, "stereo")
    if encoded is None:
        return None
    sink = io.BytesIO()
    try:
        with av.open(sink, "w", format="mpegts") as out:
            stream: Any = out.add_stream("aac", rate=_PLACEHOLDER_RATE, layout="stereo")
            for index in range(2):
                packet = av.Packet(adts_frame(encoded[0], AdtsConfig(profile=_AAC_LC, sampling_index=3, channel_config=2)))
                packet.stream, packet.pts, packet.dts = stream, index * encoded[1], index * encoded[1]
                packet.time_base = Fraction(1, _PLACEHOLDER_RATE)
                out.mux(packet)
        parts = demux_container(sink.getvalue(), "mpegts", kinds=("audio",), in_band=True)
    except (av.FFmpegError, SegmentFormatError, ValueError):
        return None
    return parts[0] if parts else None


def merged(stretches: list[Stretch]) -> list[Stretch]:
    """``stretches`` in order with touching or overlapping ones joined (a slate of several segments, or one fed
    again after a seek back, is one stretch)."""
    out: list[Stretch] = []
    for stretch in sorted(stretches, key=lambda s: s.from_s):
        if out and stretch.from_s <= out[-1].to_s + _TOUCHING_S:
            out[-1] = Stretch(from_s=out[-1].from_s, to_s=max(out[-1].to_s, stretch.to_s))
        else:
            out.append(stretch)
    return out


def silent_samples(like: DemuxedSegment, from_90k: int, to_90k: int) -> tuple[Sample, ...]:
    """Frames of silence in ``like``'s codec and configuration covering ``[from_90k, to_90k)`` (the last one may run
    past it by less than a frame), written as ``like``'s samples are (ADTS when in-band AAC); () when no frame can
    match ``like``."""
    frame = _frame_like(like)
    if frame is None or to_90k <= from_90k:
        return ()
    data, step = frame
    return tuple(Sample(pts=t, dts=t, duration=step, data=data, keyframe=True)
                 for t in range(from_90k, to_90k, step))


def _frame_like(like: DemuxedSegment) -> tuple[bytes, int] | None:
    """One sample of silence as ``like``'s track carries it, and its duration (90 kHz)."""
    if like.kind != "audio" or not like.samples or like.codec not in _ENCODERS:
        return None
    adts = _adts_config(like.samples[0].data) if like.codec == "aac" and like.in_band else None
    if like.codec == "aac" and not _plain_lc(like, adts):
        return None  # HE-AAC or another object type: a frame of ours would not match it
    encoded = _encoded_silence(_ENCODERS[like.codec], like.sample_rate, like.layout)
    if encoded is None:
        return None
    raw, samples = encoded
    return (adts_frame(raw, adts) if adts is not None else raw), round(samples * TS_CLOCK / like.sample_rate)


def _plain_lc(like: DemuxedSegment, adts: AdtsConfig | None) -> bool:
    """AAC-LC at the track's own rate: by its ADTS header in-band (HE-AAC's names the core rate, half the track's),
    else by its AudioSpecificConfig (object type 2, and a rate that is the track's)."""
    if like.in_band:
        return adts is not None and adts.profile == _AAC_LC and _ADTS_RATES[adts.sampling_index] == like.sample_rate
    config = like.extradata
    if len(config) < 2 or config[0] >> 3 != _AOT_LC:
        return False
    index = ((config[0] & 0x07) << 1) | (config[1] >> 7)
    return index < len(_ADTS_RATES) and _ADTS_RATES[index] == like.sample_rate


def _adts_config(frame: bytes) -> AdtsConfig | None:
    """The fields of an ADTS header (ISO/IEC 14496-3 §1.A.2.2.1), or None when ``frame`` does not start with one."""
    if len(frame) < 7 or not is_adts(frame):
        return None
    index = (frame[2] >> 2) & 0x0F
    if index >= len(_ADTS_RATES):
        return None
    return AdtsConfig(profile=frame[2] >> 6, sampling_index=index, channel_config=((frame[2] & 1) << 2) | (frame[3] >> 6))


@functools.lru_cache(maxsize=16)
def _encoded_silence(encoder: str, sample_rate: int, layout: str) -> tuple[bytes, int] | None:
    """A steady-state encoded frame of digital silence and its length in samples; None if the encoder is missing
    or refuses the configuration."""
    try:
        ctx: Any = av.CodecContext.create(encoder, "w")  # an audio context: PyAV's stubs type the base
        ctx.sample_rate, ctx.layout = sample_rate, layout
        ctx.format = ctx.codec.audio_formats[0].name
        ctx.open()
        size = ctx.frame_size or 1024
        packets: list[bytes] = []
        for index in range(_WARM_UP + 1):
            frame = av.AudioFrame(format=ctx.format.name, layout=layout, samples=size)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate, frame.pts = sample_rate, index * size
            packets += [bytes(p) for p in ctx.encode(frame)]
    except (av.FFmpegError, ValueError, TypeError):
        return None
    return (packets[-1], size) if packets else None

"""Demux one CMAF init + media segment pair into timestamped samples, decrypting CENC in PyAV.

Why per segment: every segment is opened together with *its own* rendition's init segment, so
a rendition switch simply means the next segment brings another configuration; timestamps come
out absolute because FFmpeg's mov demuxer honours ``tfdt`` (ISO/IEC 14496-12 §8.8.12).

CENC (ISO/IEC 23001-7): FFmpeg's mov demuxer decrypts ``cenc`` samples given ``decryption_key``;
without it, or with a wrong key, it says nothing and hands back ciphertext. So a protected track
(its sample entry is ``encv``/``enca``, see :mod:`player.feed.isobmff`) *requires* a key, and the
first samples of every protected segment are decoded with ``err_detect=explode`` — ciphertext
fails that at once — before anything reaches libmpv. The key lives only in memory.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import av

from .errors import DecryptionFailed, KeyRequired, SegmentFormatError
from .isobmff import track_protection

TS_CLOCK = 90_000  # MPEG-TS timestamps run at 90 kHz (ISO/IEC 13818-1 §2.4.3.7)
_VERIFY_PACKETS = {"video": 2, "audio": 3}


@dataclass(frozen=True, kw_only=True)
class Sample:
    """One access unit, timestamps on the 90 kHz clock, payload still as stored in the MP4."""

    pts: int
    dts: int
    duration: int
    data: bytes
    keyframe: bool


@dataclass(frozen=True, kw_only=True)
class DemuxedSegment:
    """A segment's samples plus what the remuxer needs of its rendition's configuration."""

    kind: str
    codec: str
    extradata: bytes
    samples: tuple[Sample, ...]
    protected: bool


def demux_segment(kind: str, init: bytes, data: bytes, *, key: bytes | None) -> DemuxedSegment:
    """Demux (and decrypt) the ``kind`` track of ``init + data``; raise a :class:`FeedError` subclass on failure."""
    if kind not in ("video", "audio"):
        raise ValueError(f"kind must be 'video' or 'audio', not {kind!r}")
    protection = track_protection(init)
    if protection is not None and key is None:
        raise KeyRequired(f"{kind} track is protected ({protection.scheme or 'unknown scheme'}) and no key was given")
    if protection is not None and protection.scheme not in ("cenc", ""):
        raise SegmentFormatError(f"protection scheme {protection.scheme!r} is not supported (only 'cenc')")
    options = {"decryption_key": key.hex()} if (protection is not None and key is not None) else {}
    try:
        with av.open(io.BytesIO(init + data), format="mp4", options=options) as container:
            streams = container.streams.video if kind == "video" else container.streams.audio
            if not streams:
                raise SegmentFormatError(f"segment has no {kind} track")
            stream = streams[0]
            ctx = stream.codec_context
            to_ts = _TsClock(stream.time_base or Fraction(1, TS_CLOCK))
            samples = tuple(
                Sample(
                    pts=to_ts(p.pts if p.pts is not None else p.dts),
                    dts=to_ts(p.dts if p.dts is not None else p.pts),
                    duration=to_ts(p.duration or 0),
                    data=bytes(p),
                    keyframe=p.is_keyframe,
                )
                for p in container.demux(stream)
                if p.size and (p.dts is not None or p.pts is not None)
            )
            segment = DemuxedSegment(
                kind=kind,
                codec=ctx.name,
                extradata=bytes(ctx.extradata or b""),
                samples=samples,
                protected=protection is not None,
            )
            audio_params = (ctx.sample_rate, ctx.layout) if kind == "audio" else None
    except av.FFmpegError as exc:
        raise SegmentFormatError(f"{kind} segment could not be demuxed: {exc}") from exc
    if protection is not None:
        _verify_decodes(segment, audio_params)
    return segment


class _TsClock:
    """Timestamps in ``time_base`` → the 90 kHz clock, rounded half to even like ``round(Fraction)``.

    Integer arithmetic: Fraction objects per timestamp were half the remux time of a segment.
    """

    def __init__(self, time_base: Fraction) -> None:
        self._num = time_base.numerator * TS_CLOCK
        self._den = time_base.denominator

    def __call__(self, value: int) -> int:
        quotient, remainder = divmod(value * self._num, self._den)
        twice = 2 * remainder
        if twice > self._den or (twice == self._den and quotient % 2):
            quotient += 1
        return quotient


def _verify_decodes(segment: DemuxedSegment, audio_params: tuple | None) -> None:
    """Decode the first samples strictly; ciphertext (no or wrong key) fails here instead of in libmpv."""
    samples = segment.samples[: _VERIFY_PACKETS[segment.kind]]
    if not samples:
        return
    try:
        ctx = av.CodecContext.create(segment.codec, "r")
        if segment.extradata:
            ctx.extradata = segment.extradata
        if audio_params is not None:
            ctx.sample_rate, ctx.layout = audio_params
        ctx.options = {"err_detect": "explode"}
        for sample in samples:
            ctx.decode(av.Packet(sample.data))
        ctx.decode(None)
    except av.FFmpegError as exc:
        raise DecryptionFailed(
            f"decrypted {segment.kind} samples do not decode: the content key is wrong for this track"
        ) from exc

"""Demux one CMAF init + media segment pair into timestamped samples, decrypting CENC in PyAV.

Why per segment: every segment is opened together with *its own* rendition's init segment, so
a rendition switch simply means the next segment brings another configuration; timestamps come
out absolute because FFmpeg's mov demuxer honours ``tfdt`` (ISO/IEC 14496-12 §8.8.12).

CENC (ISO/IEC 23001-7): FFmpeg's mov demuxer decrypts ``cenc`` and ``cbcs`` samples given ``decryption_key``;
without it, or with a wrong key, it says nothing and hands back ciphertext. So a protected track
(its sample entry is ``encv``/``enca``, see :mod:`player.feed.isobmff`) *requires* a key, and the
first samples of every protected segment are decoded with ``err_detect=explode`` — ciphertext
fails that at once — before anything reaches libmpv. The key lives only in memory.

That check runs once per track kind, codec, KID and key, not per segment: whether a key decrypts is a
property of the key and the KID (the init's ``tenc``), the same for every segment under them, and the
second decode of every protected segment was CPU in every protected play (issue 19). A segment whose
``moof`` carries its own sample-group key (``seig``, key rotation inside a rendition) is checked every time.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, NamedTuple

import av

from .errors import DecryptionFailed, EncryptionSchemeUnsupported, KeyRequired, SegmentFormatError
from .isobmff import sample_formats, track_protection

TS_CLOCK = 90_000  # MPEG-TS timestamps run at 90 kHz (ISO/IEC 13818-1 §2.4.3.7)
_VERIFY_PACKETS = {"video": 2, "audio": 3}
# FFmpeg's mov demuxer decrypts both given ``decryption_key`` (cbcs: AES-CBC with the 1:9 pattern, CMAF's
# SAMPLE-AES); "" is a protected entry whose ``sinf`` lacks ``schm`` (treated as cenc, the default)
DECRYPTED_SCHEMES = ("cenc", "cbcs", "")
_VERIFIED_MAX = 256  # digests of (kind, codec, KID, key) that decoded: bounded, forgotten all at once when full
_verified: set[bytes] = set()
# An ISO-BMFF init declares each track's configuration in ``moov``: FFmpeg's stream-info probe
# (decoding frames until each codec context is complete) adds nothing to what we read, and cost
# 3.6 ms per 480p H.264 segment against 0.8 ms with this (issue 19: every segment, and a restart's
# first push). Only for coding names whose remux is byte-for-byte the same either way
# (tests/formats/test_format_remux_equivalence.py); not VP9, whose packet durations come from the probe.
_MOOV_PROBE = {"probesize": "32", "analyzeduration": "0"}
SHORT_PROBE_FORMATS = frozenset({"avc1", "avc3", "hvc1", "hev1", "av01", "mp4a", "ac-3", "ec-3", "Opus", "fLaC"})
# Even the short probe decodes one picture: a video stream's pixel format is known only by decoding (1.0 ms of
# the 1.1 ms an open of a 480p H.264 segment costs, twice per track in a restart's first push: demuxer and
# muxer template). Nothing we read or copy needs it (size and parameter sets are in ``moov``), so video opens
# decode nothing; audio keeps its one frame, whose decode fills the channel layout the key check uses.
_NO_DECODE = {"skip_frame": "all"}
_VIDEO_FORMATS = frozenset({"avc1", "avc3", "hvc1", "hev1", "av01"})


def open_options(data: bytes, fmt: str, options: dict[str, str] | None = None) -> dict[str, str]:
    """``av.open`` options for the whole segment ``data`` (init first) in ``fmt``: ``options``, plus the short
    probe when it is ISO-BMFF of coding names in :data:`SHORT_PROBE_FORMATS` (decoding nothing when all are video)."""
    formats = sample_formats(data) if fmt == "mp4" and _MOOV_PROBE else set()
    if not formats or not formats <= SHORT_PROBE_FORMATS:
        return dict(options or {})
    return {**_MOOV_PROBE, **(_NO_DECODE if formats <= _VIDEO_FORMATS else {}), **(options or {})}


class Sample(NamedTuple):
    """One access unit, timestamps on the 90 kHz clock, payload still as stored in the MP4.

    A NamedTuple, not a frozen dataclass: built twice per packet on the remux path (~140 per 480p segment
    pair), at half the cost.
    """

    pts: int
    dts: int
    duration: int
    data: bytes
    keyframe: bool


@dataclass(frozen=True, kw_only=True)
class DemuxedSegment:
    """One track's samples of a segment plus what the remuxer needs of its rendition's configuration.

    ``in_band``: the samples already carry their configuration (Annex-B with parameter sets, ADTS),
    as MPEG-TS and packed audio deliver them; ISO-BMFF and Matroska samples are length-prefixed or
    raw and need the rendition's ``extradata``. ``template`` is the input stream the samples were read
    from, its container still open, for a muxer that copies stream parameters from it (opening the
    segment again for that cost ~0.3 ms per track of a stream's first push, issue 19); :func:`release`
    closes it. Only a caller that asks for it gets it (``read_segment(..., templates=True)``, the remuxer
    before its writer exists); every other caller gets None and nothing left open.
    """

    kind: str
    codec: str
    extradata: bytes
    samples: tuple[Sample, ...]
    protected: bool
    in_band: bool = False
    width: int = 0
    height: int = 0
    sample_rate: int = 0
    channels: int = 0
    layout: str = ""
    template: Any = None


def demux_fmp4(init: bytes, data: bytes, *, key: bytes | None, kinds: tuple[str, ...] = ("video", "audio"),
               fmt: str = "mp4") -> tuple[DemuxedSegment, ...]:
    """Every track of ``kinds`` in an ISO-BMFF (or WebM, ``fmt="matroska"``) init + media segment."""
    protection = track_protection(init) if fmt == "mp4" else None
    if protection is not None and key is None:
        raise KeyRequired(f"{'/'.join(kinds)} track is protected ({protection.scheme or 'unknown scheme'}) and no key was given")
    if protection is not None and protection.scheme not in DECRYPTED_SCHEMES:
        raise EncryptionSchemeUnsupported(f"protection scheme {protection.scheme!r} is not supported (only 'cenc' and 'cbcs')")
    options = {"decryption_key": key.hex()} if (protection is not None and key is not None) else {}
    parts = demux_container(init + data, fmt, kinds=kinds, options=options, in_band=False,
                            protected=protection is not None)
    if protection is not None and key is not None:
        rotates = b"seig" in data  # a sample-group key of its own: not covered by the init's KID
        # a clear-lead fragment (Shaka's default 5 s) decodes with any key: only an encrypted one proves it
        encrypted = b"senc" in data or b"saiz" in data
        try:
            for part in parts:
                _verify_once(part, protection.default_kid, key, always=rotates, proves=encrypted and not rotates)
        except DecryptionFailed:
            release(parts)
            raise
    return parts


def demux_container(data: bytes, fmt: str, *, kinds: tuple[str, ...], options: dict[str, str] | None = None,
                    in_band: bool, protected: bool = False, offset_90k: int = 0) -> tuple[DemuxedSegment, ...]:
    """The first track of each kind in ``kinds`` that ``data`` (a whole container in format ``fmt``) holds.

    The container stays open for the parts' ``template`` (see :class:`DemuxedSegment`) unless none has samples.
    """
    container = None
    try:
        container = av.open(io.BytesIO(data), "r", format=fmt, options=open_options(data, fmt, options))
        chosen = []
        for kind in kinds:
            streams = container.streams.video if kind == "video" else container.streams.audio
            if streams:
                chosen.append((kind, streams[0]))
        packets = _read_samples(container, [stream for _, stream in chosen], offset_90k)
        parts = tuple(p for p in (_part(kind, stream, packets[stream.index], in_band, protected) for kind, stream in chosen)
                      if p.samples)
    except av.FFmpegError as exc:
        if container is not None:
            container.close()
        raise SegmentFormatError(f"{'/'.join(kinds)} segment could not be demuxed as {fmt}: {exc}") from exc
    if not parts:
        container.close()
    return parts


def _read_samples(container: Any, streams: list[Any], offset_90k: int) -> dict[int, tuple[Sample, ...]]:
    """Every packet of ``streams`` as samples on the 90 kHz clock, per stream index."""
    packets: dict[int, list[Sample]] = {stream.index: [] for stream in streams}
    clocks = {stream.index: _TsClock(stream.time_base or Fraction(1, TS_CLOCK)) for stream in streams}
    for p in container.demux(*streams) if streams else ():
        if not p.size or (p.dts is None and p.pts is None):
            continue
        to_ts = clocks[p.stream.index]
        pts = p.pts if p.pts is not None else p.dts
        dts = p.dts if p.dts is not None else p.pts
        assert pts is not None and dts is not None
        packets[p.stream.index].append(Sample(
            pts=to_ts(pts) + offset_90k, dts=to_ts(dts) + offset_90k,
            duration=to_ts(p.duration or 0), data=bytes(p), keyframe=p.is_keyframe,
        ))
    return {index: tuple(samples) for index, samples in packets.items()}


def release(parts: Iterable[DemuxedSegment], *, keep: Iterable[DemuxedSegment] = ()) -> None:
    """Close the containers ``parts`` were read from, but not one a part of ``keep`` still needs."""
    needed = {id(p.template.container) for p in keep if p.template is not None}
    for part in parts:
        if part.template is not None and id(part.template.container) not in needed:
            part.template.container.close()


def detached(parts: tuple[DemuxedSegment, ...]) -> tuple[DemuxedSegment, ...]:
    """``parts`` with their containers closed and no ``template`` left to reach them by."""
    release(parts)
    return tuple(replace(p, template=None) for p in parts)


def _part(kind: str, stream: Any, samples: tuple[Sample, ...], in_band: bool, protected: bool) -> DemuxedSegment:
    audio, ctx = kind == "audio", stream.codec_context
    return DemuxedSegment(
        kind=kind, codec=ctx.codec.canonical_name, extradata=bytes(ctx.extradata or b""), samples=samples,
        protected=protected, in_band=in_band, width=0 if audio else ctx.width, height=0 if audio else ctx.height,
        sample_rate=ctx.sample_rate if audio else 0, channels=ctx.channels if audio else 0,
        layout=ctx.layout.name if audio else "", template=stream,
    )


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


def verify_decodes_once(segment: DemuxedSegment, *, kid: bytes, key: bytes) -> None:
    """The first samples of ``segment``, decrypted with ``key``, decode strictly (checked once per kind, codec, KID
    and key): :class:`DecryptionFailed` otherwise."""
    _verify_once(segment, kid, key, always=False, proves=True)


def _verify_once(segment: DemuxedSegment, kid: bytes, key: bytes, *, always: bool, proves: bool) -> None:
    """:func:`_verify_decodes` unless this kind and codec already decoded under this KID and key; only a
    segment whose samples were encrypted under that KID (``proves``) records the key as verified."""
    digest = hashlib.sha256(b"|".join((segment.kind.encode(), segment.codec.encode(), kid, key))).digest()
    if digest in _verified and not always:
        return
    _verify_decodes(segment)
    if not proves:
        return
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified.add(digest)


def _verify_decodes(segment: DemuxedSegment) -> None:
    """Decode the first samples strictly; ciphertext (no or wrong key) fails here instead of in libmpv."""
    samples = segment.samples[: _VERIFY_PACKETS[segment.kind]]
    if not samples:
        return
    try:
        ctx: Any = av.CodecContext.create(segment.codec, "r")  # an audio/video context: PyAV's stubs type the base
        if segment.extradata:
            ctx.extradata = segment.extradata
        if segment.kind == "audio":
            ctx.sample_rate = segment.sample_rate
            ctx.layout = segment.layout
        ctx.options = {"err_detect": "explode"}
        for sample in samples:
            ctx.decode(av.Packet(sample.data))
        ctx.decode(None)
    except av.FFmpegError as exc:
        raise DecryptionFailed(
            f"decrypted {segment.kind} samples do not decode: the content key is wrong for this track"
        ) from exc

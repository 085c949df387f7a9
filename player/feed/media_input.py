"""Any segment a CDN serves → timestamped samples per track: the one entry point of the feed's inputs.

What arrives is told by its first bytes, not by the URL (CDNs serve ``.ts`` as ``video/mp2t``,
``application/octet-stream`` or worse):
- MPEG-TS (sync byte 0x47 every 188 bytes, ISO/IEC 13818-1): video and audio already in-band
  (Annex-B with parameter sets, ADTS); timestamps are the encoder's 90 kHz clock;
- packed audio (an ID3 tag first, RFC 8216 §3.4): :mod:`.packed_audio`;
- WebM/Matroska (EBML magic in the init segment): VP9/AV1/Opus with the init's Tracks;
- otherwise ISO-BMFF/CMAF with its init segment (:mod:`.segment_reader`, CENC decrypted there).
HLS AES-128 (whole-segment CBC) is removed first, with the key and IV the caller worked out.
A segment of kind ``video`` also yields the audio multiplexed into it (``with_audio``), so muxed
HLS variants play with sound — and a lone media playlist (which says nothing of its kind) of
audio-only segments plays as audio.
"""
from __future__ import annotations

from dataclasses import dataclass

from .aes128 import decrypt_aes128
from .isobmff import iter_boxes
from .errors import DecryptionFailed, EncryptionSchemeUnsupported, FeedError, SegmentFormatError
from .packed_audio import demux_packed_audio, looks_packed_audio
from .sample_aes import decrypt_packed, decrypt_part
from .segment_reader import DemuxedSegment, demux_container, demux_fmp4, detached, release, verify_decodes_once

TS_PACKET = 188
_EBML = b"\x1a\x45\xdf\xa3"


@dataclass(frozen=True, kw_only=True)
class Aes128Key:
    """The key and IV of one AES-128 segment (never logged, never written); ``per_sample``: Apple's SAMPLE-AES in
    MPEG-TS or packed audio (:mod:`.sample_aes`), not whole-segment AES-128."""

    key: bytes
    iv: bytes
    per_sample: bool = False

    def __repr__(self) -> str:
        return "Aes128Key(<redacted>)"


SAMPLE_AES_TS = ("SAMPLE-AES in MPEG-TS or packed-audio segments plays with the playlist's own key (KEYFORMAT "
                 "\"identity\"); a key from --key or a licence is for fMP4 (cbcs)")


#: the boxes a media segment may hold beside its fragments (ISO/IEC 23000-19 §7.3.2, 14496-12 §8.16): alone, no sample
_NON_SAMPLE_BOXES = frozenset((b"styp", b"sidx", b"ssix", b"emsg", b"prft", b"free", b"skip"))


def _sample_less(data: bytes) -> bool:
    """Whole boxes from the first byte to the last, each one that carries no sample (``styp``, ``sidx``, …): a segment
    with nothing to play. A cut ``moof``, zeroed bytes or a body decrypted with the wrong key are not that, and go on
    to be named."""
    boxes = list(iter_boxes(data))
    return bool(boxes) and boxes[-1][2] == len(data) and all(kind in _NON_SAMPLE_BOXES for kind, _, _ in boxes)


def _sample_aes(parts: tuple[DemuxedSegment, ...], aes: Aes128Key, *, decrypted: bool) -> tuple[DemuxedSegment, ...]:
    """``parts`` decrypted (unless already ``decrypted``); the first samples of each are decoded strictly, once per
    key and IV (a wrong key is named)."""
    try:
        plain = parts if decrypted else tuple(decrypt_part(part, aes.key, aes.iv) for part in parts)
        for part in plain:
            verify_decodes_once(part, kid=aes.iv, key=aes.key)  # the IV: a key proven on one title is not on the next
    except DecryptionFailed as exc:
        release(parts)
        raise DecryptionFailed(f"{exc} (SAMPLE-AES: a data: key URI may hold the KID, not the key — give the key "
                               "with --key KID:KEY)") from exc
    except FeedError:
        release(parts)
        raise
    return plain


def looks_mpegts(data: bytes) -> bool:
    return len(data) >= TS_PACKET and data[0] == 0x47 and (len(data) < 2 * TS_PACKET or data[TS_PACKET] == 0x47)


def read_segment(kind: str, init: bytes, data: bytes, *, key: bytes | None = None, aes: Aes128Key | None = None,
                 with_audio: bool = False, templates: bool = False) -> tuple[DemuxedSegment, ...]:
    """The tracks of one media segment of ``kind`` (plus multiplexed audio when ``with_audio``), in order.

    ``templates``: the parts keep their demuxer's container open for a muxer to copy stream parameters from,
    and the caller owns it (:func:`~.segment_reader.release`); otherwise it is closed here and ``template`` is
    None, so a caller that muxes nothing cannot leave it open."""
    if kind not in ("video", "audio"):
        raise ValueError(f"kind must be 'video' or 'audio', not {kind!r}")
    if aes is not None and not aes.per_sample:
        data = decrypt_aes128(data, aes.key, aes.iv)
    kinds = ("video", "audio") if kind == "video" and with_audio else (kind,)
    if looks_mpegts(data) or looks_packed_audio(data):
        if key is not None:  # a CENC key for TS: Apple's SAMPLE-AES takes the playlist's key (``aes.per_sample``)
            raise EncryptionSchemeUnsupported(SAMPLE_AES_TS)
        per_sample = aes if aes is not None and aes.per_sample else None
        if looks_mpegts(data):
            parts = demux_container(data, "mpegts", kinds=kinds, in_band=True)
        else:  # decrypted before the demuxer reads it: FFmpeg's ADTS reader can lose its way in ciphertext
            clear = data if per_sample is None else decrypt_packed(data, per_sample.key, per_sample.iv)
            parts = (demux_packed_audio(clear),) if kind == "audio" else ()
        if per_sample is not None:
            parts = _sample_aes(parts, per_sample, decrypted=not looks_mpegts(data))
    elif aes is not None and aes.per_sample:
        raise EncryptionSchemeUnsupported("SAMPLE-AES with the playlist's key is for MPEG-TS and packed audio: "
                                          "fMP4 takes it as cbcs, with --key or a licence")
    elif not init:
        raise SegmentFormatError(f"{kind} segment is neither MPEG-TS nor packed audio and has no init segment")
    elif init.startswith(_EBML):
        parts = demux_container(init + data, "matroska", kinds=kinds, in_band=False)
    elif _sample_less(data):
        return ()  # ffmpeg's 0.02 s ``styp``-only tail (``integrity.NO_SAMPLES_S``)
    else:
        parts = demux_fmp4(init, data, key=key, kinds=kinds)
    if not any(p.kind == kind or with_audio for p in parts):  # an audio-only playlist may be listed as video
        release(parts)
        raise SegmentFormatError(f"segment has no {kind} track")
    return parts if templates else detached(parts)

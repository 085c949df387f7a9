"""Apple's SAMPLE-AES in MPEG-TS and packed audio: H.264 NAL units and AAC frames decrypted in place.

Why: HLS ``METHOD=SAMPLE-AES`` on TS (Shaka Packager's ``--protection_scheme cbcs`` for TS output, Apple's
own tools) encrypts parts of each sample, not the segment, so the segment demuxes as usual (stream
type 0xdb reads as H.264) and only the samples need decrypting; plain libmpv (FFmpeg's HLS demuxer)
plays it. The layout is Apple's "MPEG-2 Stream Encryption Format for HTTP Live Streaming", as FFmpeg
and hls.js read it, AES-128-CBC with the playlist's key and IV, the chain restarting at each NAL
unit and each audio frame:
- H.264: only coded slices (NAL types 1 and 5) longer than 48 bytes; their emulation-prevention bytes
  are removed first (they were added after encryption), then 32 bytes stay clear and one 16-byte block
  in ten is encrypted (a last block of 16 bytes or fewer is clear);
- AAC (ADTS): past the header, a 16-byte clear leader, then every whole 16-byte block.
AC-3 and E-AC-3 (also allowed by the format) are named as unsupported: no packager here makes them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from .bitstream import is_adts
from .errors import EncryptionSchemeUnsupported, SegmentFormatError
from .packed_audio import id3_timestamp
from .segment_reader import DemuxedSegment

BLOCK = 16
_SLICE_TYPES = (1, 5)
_CLEAR_NAL = 48  # a slice NAL unit of this many bytes or fewer is clear
_NAL_LEADER = 32
_CLEAR_RUN = 144  # nine clear blocks after each encrypted one
_AUDIO_LEADER = 16
_START_CODE = re.compile(b"\x00\x00\x01")
_EMULATION = re.compile(b"\x00\x00\x03")


def decrypt_part(part: DemuxedSegment, key: bytes, iv: bytes) -> DemuxedSegment:
    """``part`` with its samples decrypted (H.264 access units in Annex-B, AAC in ADTS frames)."""
    if part.codec == "h264":
        decrypt = _video_sample
    elif part.codec == "aac":
        decrypt = _audio_sample
    else:
        raise EncryptionSchemeUnsupported(f"SAMPLE-AES {part.codec} in MPEG-TS or packed audio is not supported "
                                          "(H.264 and AAC are)")
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    samples = tuple(s._replace(data=decrypt(s.data, cipher)) for s in part.samples)
    return replace(part, samples=samples)


def decrypt_packed(data: bytes, key: bytes, iv: bytes) -> bytes:
    """A packed-audio segment (ID3 tag, then ADTS frames) with its frames decrypted; AC-3 and MPEG audio are named."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    _, start = id3_timestamp(data)
    if not is_adts(data, start):
        raise EncryptionSchemeUnsupported("SAMPLE-AES packed audio other than AAC (ADTS) is not supported")
    return data[:start] + _audio_sample(data[start:], Cipher(algorithms.AES(key), modes.CBC(iv)))


def _video_sample(data: bytes, cipher: Any) -> bytes:
    """One Annex-B access unit, its encrypted slices decrypted; start codes kept as they were."""
    starts = [m.end() for m in _START_CODE.finditer(data)]
    if not starts:
        raise SegmentFormatError("SAMPLE-AES video sample is not Annex-B (no start code)")
    out = [data[:starts[0]]]
    for begin, end in zip(starts, [*starts[1:], None]):
        nal = data[begin:end] if end is None else data[begin:end - 3]
        tail = b"" if end is None else data[end - 3:end]
        trailing_zero = nal.endswith(b"\x00") and tail  # a 4-byte start code's zero belongs to the next one
        body = nal[:-1] if trailing_zero else nal
        if body and body[0] & 0x1F in _SLICE_TYPES and len(body) > _CLEAR_NAL:
            body = _decrypt_slice(body, cipher)
        out += [body, b"\x00" if trailing_zero else b"", tail]
    return b"".join(out)


def _decrypt_slice(nal: bytes, cipher: Any) -> bytes:
    """A slice NAL unit decrypted: unescaped, then its 1-in-10 pattern of blocks decrypted as one CBC chain. What
    comes out is the unit as the encoder wrote it, escapes and all: the encryptor escaped its ciphertext once more
    (Shaka Packager; FFmpeg reads it so)."""
    plain = bytearray(_EMULATION.sub(b"\x00\x00", nal))
    blocks = []
    at, left = _NAL_LEADER, len(plain) - _NAL_LEADER
    while left > 0:
        if left > BLOCK:
            blocks.append(at)
            at, left = at + BLOCK, left - BLOCK
        run = min(_CLEAR_RUN, left)
        at, left = at + run, left - run
    _decrypt_blocks(plain, blocks, cipher)
    return bytes(plain)


def _audio_sample(data: bytes, cipher: Any) -> bytes:
    """One or more ADTS frames, each decrypted past its header and clear leader."""
    out = bytearray(data)
    at = 0
    while at + 7 <= len(out):
        if not is_adts(out, at):
            raise SegmentFormatError("SAMPLE-AES audio sample is not ADTS")
        header = 7 if out[at + 1] & 1 else 9
        length = ((out[at + 3] & 0x03) << 11) | (out[at + 4] << 3) | (out[at + 5] >> 5)
        if length < header or at + length > len(out):
            raise SegmentFormatError("SAMPLE-AES ADTS frame runs past its sample")
        first = at + header + _AUDIO_LEADER
        _decrypt_blocks(out, range(first, at + length - BLOCK + 1, BLOCK), cipher)
        at += length
    return bytes(out)


def _decrypt_blocks(buffer: bytearray, offsets: Iterable[int], cipher: Any) -> None:
    """Decrypt the 16-byte blocks of ``buffer`` at ``offsets`` as one CBC chain from the IV, in place."""
    where = list(offsets)
    if not where:
        return
    decryptor = cipher.decryptor()
    plain = decryptor.update(b"".join(bytes(buffer[o:o + BLOCK]) for o in where)) + decryptor.finalize()
    for index, offset in enumerate(where):
        buffer[offset:offset + BLOCK] = plain[index * BLOCK:(index + 1) * BLOCK]


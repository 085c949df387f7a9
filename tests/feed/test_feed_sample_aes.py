"""Apple's SAMPLE-AES sample layout, encrypted here as the format describes it (an encryptor written apart from
:mod:`player.feed.sample_aes`) and decrypted back byte for byte: H.264 slices with emulation prevention around the
encryption, clear NAL units and short slices untouched, ADTS frames past header and leader. Shaka Packager's real
output is played end to end in tests/formats/test_format_play.py."""
from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from player.feed.errors import EncryptionSchemeUnsupported, SegmentFormatError
from player.feed.sample_aes import decrypt_part
from player.feed.segment_reader import DemuxedSegment, Sample

KEY, IV = bytes(range(16)), bytes(range(16, 32))


def _cbc(data: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(IV)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def _escape(data: bytes) -> bytes:
    out, zeros = bytearray(), 0
    for byte in data:
        if zeros == 2 and byte < 4:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _encrypt_slice(nal: bytes) -> bytes:
    """The format's encrypted_nal_unit: 32 clear bytes, then a 16-byte block encrypted (if more than 16 are left) and
    up to 144 clear, repeated; one CBC chain per NAL unit; emulation prevention applied to the result."""
    blocks, at = [], 32
    while at < len(nal):
        if len(nal) - at > 16:
            blocks.append(at)
            at += 16
        at += min(144, len(nal) - at)
    cipher = _cbc(b"".join(nal[b:b + 16] for b in blocks))
    out = bytearray(nal)
    for i, b in enumerate(blocks):
        out[b:b + 16] = cipher[16 * i:16 * i + 16]
    return _escape(bytes(out))


def _part(codec: str, *samples: bytes) -> DemuxedSegment:
    kind = "video" if codec == "h264" else "audio"
    return DemuxedSegment(kind=kind, codec=codec, extradata=b"", protected=False, in_band=True,
                          samples=tuple(Sample(pts=i, dts=i, duration=1, data=d, keyframe=True) for i, d in enumerate(samples)))


@pytest.mark.parametrize("seed", range(20))
def test_an_access_unit_decrypts_back_to_its_clear_units(seed: int) -> None:
    """A parameter set, a short slice (48 bytes: clear), a long IDR slice and a long non-IDR slice, random bodies
    full of zero runs (so the escape bytes land inside and around the encrypted blocks), 3- and 4-byte start codes."""
    rng = random.Random(seed)

    def body(n: int) -> bytes:
        return bytes(rng.choice((0, 0, 0, 1, 2, 3, rng.randrange(256))) for _ in range(n)) + b"\x80"

    units = [b"\x67" + body(20), b"\x41" + body(46), b"\x65" + body(rng.randrange(49, 900)), b"\x41" + body(rng.randrange(49, 400))]
    units = [_escape(u) for u in units]  # as an encoder writes them
    starts = [b"\x00\x00\x00\x01", b"\x00\x00\x01", b"\x00\x00\x01", b"\x00\x00\x00\x01"]
    clear = b"".join(s + u for s, u in zip(starts, units))
    sent = b"".join(s + (_encrypt_slice(u) if u[0] & 0x1F in (1, 5) and len(u) > 48 else u) for s, u in zip(starts, units))
    assert sent != clear
    assert decrypt_part(_part("h264", sent), KEY, IV).samples[0].data == clear


def test_adts_frames_decrypt_past_header_and_leader() -> None:
    """Two ADTS frames in one sample (a 7-byte and a CRC 9-byte header), each its own CBC chain from the IV; a frame
    whose payload holds no block past the 16-byte leader stays clear."""
    rng = random.Random(7)

    def frame(payload: int, crc: bool) -> tuple[bytes, bytes]:
        header_size = 9 if crc else 7
        length = header_size + payload
        header = bytes((0xFF, 0xF0 if crc else 0xF1, 0x50, 0x80 | (length >> 11), (length >> 3) & 0xFF,
                        ((length & 7) << 5) | 0x1F, 0xFC)) + (b"\x12\x34" if crc else b"")
        clear = bytes(rng.randrange(256) for _ in range(payload))
        whole = (payload - 16) // 16 * 16
        sent = clear[:16] + _cbc(clear[16:16 + whole]) + clear[16 + whole:] if whole else clear
        return header + clear, header + sent

    frames = [frame(203, False), frame(150, True), frame(30, False)]
    clear, sent = b"".join(c for c, _ in frames), b"".join(s for _, s in frames)
    assert decrypt_part(_part("aac", sent), KEY, IV).samples[0].data == clear


def test_other_codecs_and_broken_samples_are_named() -> None:
    with pytest.raises(EncryptionSchemeUnsupported, match="ac3"):
        decrypt_part(_part("ac3", b"\x0b\x77" + bytes(100)), KEY, IV)
    with pytest.raises(SegmentFormatError, match="not ADTS"):
        decrypt_part(_part("aac", bytes(64)), KEY, IV)
    with pytest.raises(SegmentFormatError, match="Annex-B"):
        decrypt_part(_part("h264", b"\x65" + bytes(64)), KEY, IV)

"""Bitstream rewrites that make every segment self-contained for a decoder reading MPEG-TS.

Why: ISO-BMFF stores H.264/HEVC samples length-prefixed with the parameter sets in the sample
entry (``avcC``, ISO/IEC 14496-15 §5.3.3; ``hvcC`` §8.3.3), and AAC as raw access units with
the AudioSpecificConfig in ``esds`` (ISO/IEC 14496-3 §1.6.2.1). MPEG-TS (ISO/IEC 13818-1) carries
Annex-B byte streams and ADTS frames, where this configuration travels in-band. Converting
ourselves, with the configuration of the rendition each segment came from, is what lets a
rendition switch decode cleanly: FFmpeg's own ``h264_mp4toannexb`` in the TS muxer only ever
knows the first rendition's SPS/PPS (PLATFORM.md, "Feeding segments to libmpv").
"""
from __future__ import annotations

from dataclasses import dataclass

START_CODE = b"\x00\x00\x00\x01"


@dataclass(frozen=True, kw_only=True)
class VideoConfig:
    """A rendition's decoder configuration: NAL length size and parameter sets in Annex-B form."""

    codec: str  # "h264" | "hevc"
    nal_length_size: int
    parameter_sets: bytes  # start-code-prefixed VPS/SPS/PPS, put before every segment's first sample


def parse_avcc(extradata: bytes) -> VideoConfig:
    """Read an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1)."""
    if len(extradata) < 7 or extradata[0] != 1:
        raise ValueError("not an avcC record")
    nal_length_size = (extradata[4] & 0x03) + 1
    pos = 5
    out = bytearray()
    num_sps = extradata[pos] & 0x1F
    pos += 1
    for _ in range(num_sps):
        pos = _copy_nal(extradata, pos, out)
    num_pps = extradata[pos]
    pos += 1
    for _ in range(num_pps):
        pos = _copy_nal(extradata, pos, out)
    return VideoConfig(codec="h264", nal_length_size=nal_length_size, parameter_sets=bytes(out))


def parse_hvcc(extradata: bytes) -> VideoConfig:
    """Read an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1): VPS, SPS, PPS (and SEI) arrays."""
    if len(extradata) < 23 or extradata[0] != 1:
        raise ValueError("not an hvcC record")
    nal_length_size = (extradata[21] & 0x03) + 1
    num_arrays = extradata[22]
    pos = 23
    out = bytearray()
    for _ in range(num_arrays):
        num_nalus = int.from_bytes(extradata[pos + 1 : pos + 3], "big")
        pos += 3
        for _ in range(num_nalus):
            pos = _copy_nal(extradata, pos, out)
    return VideoConfig(codec="hevc", nal_length_size=nal_length_size, parameter_sets=bytes(out))


def _copy_nal(buf: bytes, pos: int, out: bytearray) -> int:
    size = int.from_bytes(buf[pos : pos + 2], "big")
    nal = buf[pos + 2 : pos + 2 + size]
    if len(nal) != size:
        raise ValueError("truncated parameter set")
    out += START_CODE
    out += nal
    return pos + 2 + size


def to_annexb(sample: bytes, nal_length_size: int) -> bytes:
    """Replace each NAL unit's length prefix by a 4-byte start code (ISO/IEC 14496-10 Annex B)."""
    out = bytearray()
    pos, end = 0, len(sample)
    while pos < end:
        if pos + nal_length_size > end:
            raise ValueError("truncated NAL length")
        size = int.from_bytes(sample[pos : pos + nal_length_size], "big")
        pos += nal_length_size
        if size == 0:
            continue
        if pos + size > end:
            raise ValueError("NAL unit runs past the sample")
        out += START_CODE
        out += sample[pos : pos + size]
        pos += size
    return bytes(out)


@dataclass(frozen=True, kw_only=True)
class AdtsConfig:
    """The three AudioSpecificConfig fields an ADTS header repeats (ISO/IEC 14496-3 §1.A.2.2)."""

    profile: int  # audio object type - 1 (0 = Main, 1 = LC, ...)
    sampling_index: int
    channel_config: int


def parse_audio_specific_config(asc: bytes) -> AdtsConfig:
    """Read the AAC AudioSpecificConfig; HE-AAC (SBR/PS, AOT 5/29) maps to its AAC-LC core (implicit SBR)."""
    if len(asc) < 2:
        raise ValueError("AudioSpecificConfig too short")
    bits = int.from_bytes(asc[:8].ljust(8, b"\x00"), "big")
    width = 64
    pos = 0

    def take(n: int) -> int:
        nonlocal pos
        value = (bits >> (width - pos - n)) & ((1 << n) - 1)
        pos += n
        return value

    aot = take(5)
    if aot == 31:
        aot = 32 + take(6)
    sampling_index = take(4)
    if sampling_index == 15:
        raise ValueError("explicit sampling frequency cannot be written to ADTS")
    channel_config = take(4)
    if aot in (5, 29):
        ext_index = take(4)
        if ext_index == 15:
            take(24)
        aot = take(5)
    if not 1 <= aot <= 4:
        raise ValueError(f"AAC object type {aot} cannot be carried in ADTS")
    return AdtsConfig(profile=aot - 1, sampling_index=sampling_index, channel_config=channel_config)


def is_adts(data: bytes | bytearray, at: int = 0) -> bool:
    """True when an ADTS header (ISO/IEC 14496-3 §1.A.2.2.1: 12-bit sync, layer 0) starts at ``at``."""
    return len(data) >= at + 2 and data[at] == 0xFF and data[at + 1] & 0xF6 == 0xF0


def adts_frame(payload: bytes, config: AdtsConfig) -> bytes:
    """Prefix one raw AAC access unit with a 7-byte ADTS header (no CRC)."""
    length = len(payload) + 7
    if length >= 1 << 13:
        raise ValueError("AAC frame too long for ADTS")
    header = bytes(
        (
            0xFF,
            0xF1,  # sync, MPEG-4, layer 0, no CRC
            (config.profile << 6) | (config.sampling_index << 2) | (config.channel_config >> 2),
            ((config.channel_config & 0x3) << 6) | (length >> 11),
            (length >> 3) & 0xFF,
            ((length & 0x7) << 5) | 0x1F,
            0xFC,
        )
    )
    return header + payload

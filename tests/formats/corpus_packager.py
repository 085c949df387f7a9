"""What a CDN's packager would do that ffmpeg does not: AES-128 on fMP4 segments, ID3 PRIV timestamps on packed
audio, and playlists and MPDs joined from separately packaged parts (discontinuities, Periods)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from corpus_encode import SEGMENT_S
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def aes128_encrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    """Whole-segment AES-128-CBC with PKCS#7 padding (RFC 8216 §4.3.2.4)."""
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


def id3_timestamp(pts_90k: int) -> bytes:
    """An ID3v2.4 tag with the PRIV frame HLS packed audio starts with (RFC 8216 §3.4)."""
    body = b"com.apple.streaming.transportStreamTimestamp\x00" + (pts_90k & ((1 << 33) - 1)).to_bytes(8, "big")
    frame = b"PRIV" + _synchsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + _synchsafe(len(frame)) + frame


def _synchsafe(n: int) -> bytes:
    return bytes(((n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F))


def adts_frames(data: bytes) -> list[bytes]:
    frames, pos = [], 0
    while pos + 7 <= len(data):
        if data[pos] != 0xFF or data[pos + 1] & 0xF0 != 0xF0:
            raise RuntimeError("ffmpeg's ADTS output lost sync")
        size = ((data[pos + 3] & 0x03) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        frames.append(data[pos:pos + size])
        pos += size
    return frames


def join_playlists(out: Path, parts: list[str], name: str, *, between: str) -> None:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{SEGMENT_S}", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for i, part in enumerate(parts):
        body = [ln for ln in (out / part).read_text().splitlines() if ln.startswith("#EXTINF") or not ln.startswith("#")]
        lines += ([between] if i else []) + [ln for ln in body if ln]
        (out / part).unlink()
    (out / name).write_text("\n".join(lines + ["#EXT-X-ENDLIST"]) + "\n")


def join_periods(out: Path, parts: list[str]) -> None:
    ns = "urn:mpeg:dash:schema:mpd:2011"
    ET.register_namespace("", ns)
    root: ET.Element | None = None
    start = 0.0
    for part in parts:
        doc = ET.parse(out / part / "manifest.mpd").getroot()
        period = doc.find(f"{{{ns}}}Period")
        assert period is not None
        duration = doc.get("mediaPresentationDuration", "PT0S")
        seconds = float(re.fullmatch(r"PT(?:0H)?(?:0M)?([\d.]+)S", duration).group(1))  # type: ignore[union-attr]
        period.set("id", part)
        period.set("start", f"PT{start:.3f}S")
        period.attrib.pop("duration", None)
        for tpl in period.iter(f"{{{ns}}}SegmentTemplate"):
            for attr in ("initialization", "media"):
                if tpl.get(attr) is not None:  # a text/vtt template has no initialization
                    tpl.set(attr, f"{part}/{tpl.get(attr)}")
        if root is None:
            root = doc
            for old in root.findall(f"{{{ns}}}Period"):
                root.remove(old)
        root.append(period)
        start += seconds
    assert root is not None
    root.set("mediaPresentationDuration", f"PT{start:.3f}S")
    ET.ElementTree(root).write(out / "manifest.mpd", xml_declaration=True, encoding="utf-8")

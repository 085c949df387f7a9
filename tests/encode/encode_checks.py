"""Test helpers: list a packaged title's segments from its HLS and DASH manifests and decode them with PyAV.

Deliberately minimal parsing (regex for HLS, ElementTree for the MPD) so these checks do not depend on
the player's manifest parsers, which are being written in parallel.
"""
from __future__ import annotations

import io
import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.logging

MPD_NS = {"mpd": "urn:mpeg:dash:schema:mpd:2011", "cenc": "urn:mpeg:cenc:2013"}


@dataclass(frozen=True, kw_only=True)
class Rendition:
    """One listed rendition: kind (video/audio/text), its init segment (None for text) and media segments."""

    kind: str
    name: str
    init: Path | None
    segments: tuple[Path, ...]
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, kw_only=True)
class DecodeResult:
    frames: int
    errors: int
    first_frame_times: tuple[float, ...]  # per segment, seconds
    first_frame_key: tuple[bool, ...]
    sample_aspect: tuple[Fraction | None, ...]
    digests: tuple[bytes, ...]  # first frame bytes hash per segment (video)


def _attrs(line: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', line)}


def hls_renditions(master: Path) -> list[Rendition]:
    """Variants and EXT-X-MEDIA renditions of an HLS master playlist, with their segment files."""
    base = master.parent
    lines = master.read_text().splitlines()
    found: list[tuple[str, str, dict[str, str]]] = []
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            found.append(("video", lines[i + 1].strip(), _attrs(line)))
        elif line.startswith("#EXT-X-MEDIA:"):
            a = _attrs(line)
            found.append(({"AUDIO": "audio", "SUBTITLES": "text"}[a["TYPE"]], a["URI"], a))
    out = []
    for kind, uri, attrs in found:
        media = (base / uri).read_text().splitlines()
        init = None
        segs = []
        for line in media:
            if line.startswith("#EXT-X-MAP:"):
                init = base / _attrs(line)["URI"]
            elif line and not line.startswith("#"):
                segs.append(base / line.strip())
        w = h = None
        if "RESOLUTION" in attrs:
            w, h = (int(x) for x in attrs["RESOLUTION"].split("x"))
        out.append(Rendition(kind=kind, name=uri, init=init, segments=tuple(segs), width=w, height=h))
    return out


def dash_renditions(mpd: Path) -> list[Rendition]:
    """Representations of a static MPD with SegmentTemplate/SegmentTimeline, with their segment files."""
    root = ET.parse(mpd).getroot()
    out = []
    for aset in root.iterfind(".//mpd:AdaptationSet", MPD_NS):
        kind = aset.get("contentType") or ""
        if kind == "image":
            continue  # trick-play sprite sheets (thumbnails), not media renditions
        for rep in aset.iterfind("mpd:Representation", MPD_NS):
            tpl = rep.find("mpd:SegmentTemplate", MPD_NS)
            assert tpl is not None
            number = int(tpl.get("startNumber", "1"))
            count = sum(1 + int(s.get("r", "0")) for s in tpl.iterfind("mpd:SegmentTimeline/mpd:S", MPD_NS))
            media = tpl.get("media", "")
            segs = tuple(mpd.parent / media.replace("$Number$", str(n)) for n in range(number, number + count))
            init = mpd.parent / tpl.get("initialization") if tpl.get("initialization") else None
            w, h = rep.get("width"), rep.get("height")
            out.append(
                Rendition(kind=kind, name=rep.get("id", ""), init=init, segments=segs,
                          width=int(w) if w else None, height=int(h) if h else None)
            )
    return out


def decode_rendition(r: Rendition, key_hex: str | None = None) -> DecodeResult:
    """Decode a rendition to the end, counting frames and errors.

    Errors are exceptions from PyAV plus error-level libav log lines (decoders often only log).
    """
    assert r.init is not None
    init = r.init.read_bytes()
    frames = errors = 0
    times, keys, sars, digests = [], [], [], []
    av.logging.set_level(av.logging.ERROR)
    opts = {"decryption_key": key_hex} if key_hex else {}
    # Video: each segment on its own (it must open on a keyframe). Audio: one continuous stream, since
    # AAC decoding restarted at each segment drops its first (overlap) frame.
    chunks = [seg.read_bytes() for seg in r.segments] if r.kind == "video" else [b"".join(p.read_bytes() for p in r.segments)]
    for chunk in chunks:
        with av.logging.Capture() as logs:
            try:
                with av.open(io.BytesIO(init + chunk), options=opts) as c:
                    stream = c.streams.video[0] if r.kind == "video" else c.streams.audio[0]
                    first = True
                    for frame in c.decode(stream):
                        if first:
                            times.append(float(frame.pts * frame.time_base))
                            keys.append(bool(getattr(frame, "key_frame", True)))
                            if r.kind == "video":
                                sars.append(stream.codec_context.sample_aspect_ratio)
                                digests.append(bytes(frame.planes[0])[:4096])
                            first = False
                        frames += 1
            except av.FFmpegError:
                errors += 1
        errors += sum(1 for level, _, _ in logs if level <= av.logging.ERROR)
    return DecodeResult(frames=frames, errors=errors, first_frame_times=tuple(times),
                        first_frame_key=tuple(keys), sample_aspect=tuple(sars), digests=tuple(digests))


def iter_boxes(data: bytes, start: int = 0, end: int | None = None):
    """Yield (type, payload start, box end) for ISO BMFF boxes in data[start:end]."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, typ = struct.unpack(">I4s", data[pos:pos + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            hdr = 16
        elif size == 0:
            size = end - pos
        yield typ.decode("latin-1"), pos + hdr, pos + size
        pos += size


def pssh_boxes(init: bytes) -> list[tuple[str, list[str]]]:
    """(SystemID hex, [KID hex]) of each ``pssh`` box in the ``moov`` of an init segment."""
    out = []
    for typ, body, end in iter_boxes(init):
        if typ != "moov":
            continue
        for t2, b2, _e2 in iter_boxes(init, body, end):
            if t2 == "pssh":
                version = init[b2]
                system = init[b2 + 4:b2 + 20].hex()
                kids = []
                if version >= 1:
                    n = struct.unpack(">I", init[b2 + 20:b2 + 24])[0]
                    kids = [init[b2 + 24 + 16 * i:b2 + 40 + 16 * i].hex() for i in range(n)]
                out.append((system, kids))
    return out

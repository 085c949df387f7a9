"""WebVTT text tracks: segmented VTT (one file per segment, each with its own header) merged into one document.

W3C WebVTT §4: a file is the ``WEBVTT`` header block, then cue blocks separated by blank lines.
Segmented delivery (DASH ``text/vtt`` SegmentTemplate, HLS subtitle playlists) repeats the header in
every segment and may repeat a cue that spans a boundary; the merge keeps the first header, drops the
later ones and keeps each distinct cue once, in order. libmpv then shows it as one subtitle track.
"""
from __future__ import annotations

from player.manifest import Rendition
from player.source import SegmentSource


def _blocks(text: str) -> list[str]:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return [block.strip("\n") for block in normalised.split("\n\n") if block.strip()]


def merge_webvtt(parts: list[str]) -> str:
    """One WebVTT document from segment files; raises ValueError when the first part is not WebVTT."""
    if not parts:
        return "WEBVTT\n"
    first = _blocks(parts[0])
    if not first or not first[0].startswith("WEBVTT"):
        raise ValueError("not a WebVTT document (no WEBVTT header)")
    header, cues, seen = first[0], [], set()
    for part in parts:
        for block in _blocks(part):
            if block.startswith("WEBVTT") or "-->" not in block:
                continue  # a repeated header, or a NOTE/STYLE/REGION block from a later segment
            if block not in seen:
                seen.add(block)
                cues.append(block)
    return "\n\n".join([header, *cues]) + "\n"


async def load_text_track(rendition: Rendition, source: SegmentSource) -> str:
    """Fetch every segment of a text rendition and merge them (a whole-file track is one segment)."""
    parts = []
    for ref in rendition.segments:
        fetched = await source.fetch(rendition, ref, kind="text")
        parts.append(fetched.body.decode("utf-8", errors="replace"))
    return merge_webvtt(parts)

"""LL-HLS playlists for a live channel (RFC 8216bis-17: §4.4.4.9 parts, §4.4.5.3 preload hint, §4.4.3.8 server control).

Pure text rendering from the writers' segment windows. A media playlist lists the DVR window with an
``EXT-X-PROGRAM-DATE-TIME`` on the first segment and after each discontinuity, the parts of the last
segments (parts older than three target durations are left out, as §4.4.4.9 requires), and a preload
hint for the next part. Slots no encoder filled (a restart) are ``EXT-X-GAP`` segments (§4.4.4.7), so
media sequence numbers stay consecutive. Clients that do not know LL-HLS ignore parts and hints and play it as a
standard sliding-window playlist with ``HOLD-BACK``.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

from .settings import LiveSettings
from .track import Segment, next_part, part_path, segment_path

VERSION = 9  # parts and preload hints (§7)


def iso_time(epoch: float) -> str:
    """``2026-11-22T17:14:47.500Z`` (RFC 3339 with milliseconds, what PROGRAM-DATE-TIME wants)."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def media_playlist(stem: str, segments: list[Segment], settings: LiveSettings, *, epoch: int,
                   discontinuity_sequence: int = 0, key_line: str | None = None) -> str:
    """The media playlist of one rendition (``segments`` oldest first, the last possibly in progress);
    ``key_line`` is the ``EXT-X-KEY`` of a protected channel."""
    s = settings
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{VERSION}",
        f"#EXT-X-TARGETDURATION:{math.ceil(s.segment_s)}",
        f"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={s.part_hold_back_s:.3f},"
        f"HOLD-BACK={s.hold_back_s:.3f}",
        f"#EXT-X-PART-INF:PART-TARGET={s.part_s:.3f}",
        f"#EXT-X-MEDIA-SEQUENCE:{segments[0].number if segments else 0}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuity_sequence}",
        f'#EXT-X-MAP:URI="{stem}/init.mp4"',
        *([key_line] if key_line else []),
    ]
    parts_from = len(segments) - 3  # the in-progress segment and the two before it keep their parts
    for i, seg in enumerate(segments):
        if seg.discontinuity and i > 0:
            lines.append("#EXT-X-DISCONTINUITY")
        if i == 0 or seg.discontinuity:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{iso_time(epoch + seg.start)}")
        if i >= parts_from:
            for p, part in enumerate(seg.parts):
                flag = ",INDEPENDENT=YES" if part.independent else ""
                lines.append(f'#EXT-X-PART:DURATION={part.duration:.5f},URI="{part_path(stem, seg.number, p)}"{flag}')
        if seg.complete:
            if seg.gap_s:
                lines.append("#EXT-X-GAP")
            lines.append(f"#EXTINF:{seg.duration:.5f},")
            lines.append(segment_path(stem, seg.number))
    if segments:
        number, index = next_part(segments[-1], s)
        lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{part_path(stem, number, index)}"')
    return "\n".join(lines) + "\n"


def master_playlist(settings: LiveSettings, codecs: dict[str, str]) -> str:
    """The multivariant playlist: one variant per rung, the audio rendition as a group."""
    s = settings
    audio = s.audio_name
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{VERSION}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="{s.audio_lang}",LANGUAGE="{s.audio_lang}",'
        f'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="{audio}.m3u8"',
    ]
    for rung in sorted(s.rungs, key=lambda r: r.kbps):
        bandwidth = (rung.kbps + s.audio_kbps) * 1000 * 11 // 10
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},AVERAGE-BANDWIDTH={(rung.kbps + s.audio_kbps) * 1000},"
            f'CODECS="{codecs[rung.name]},{codecs[audio]}",RESOLUTION={rung.width}x{rung.height},'
            f'FRAME-RATE={s.fps:.3f},AUDIO="audio"'
        )
        lines.append(f"{rung.name}.m3u8")
    return "\n".join(lines) + "\n"

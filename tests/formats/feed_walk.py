"""Walk a corpus presentation through the feed as a scheduler would, without the scheduler.

Loads the manifest over HTTP with our parser, joins Periods, fetches every segment (byte ranges
included) and hands video and audio segments to a :class:`Remuxer` in timeline order, with the
AES-128 key fetched from the key URI or the CENC key given. Then plays the stream in libmpv and
reports what a session's report would: played position, sizes seen, decoder errors, samples fed.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from player.feed.events import EndOfFile, PositionChanged, VideoSize
from player.feed.media_input import Aes128Key
from player.feed.mpv_output import MpvOutput
from player.feed.remux import Remuxer
from player.manifest import ByteRange, Presentation, Rendition, SegmentRef, load_presentation
from player.manifest.periods import single_timeline
from player.manifest.viewing import viewing_ladder


@dataclass
class Played:
    """What libmpv showed of one remuxed stream."""

    last_position_s: float = 0.0
    sizes: list[tuple[int, int]] = field(default_factory=list)
    decoder_errors: int = 0
    end: EndOfFile | None = None
    fed: dict[str, Any] = field(default_factory=dict)
    container: str | None = None


def load(url: str) -> Presentation:
    async def go() -> Presentation:
        async with httpx.AsyncClient() as client:
            async def fetch(u: str, byte_range: ByteRange | None = None) -> bytes:
                response = await client.get(u, headers={"Range": byte_range.header()} if byte_range else {})
                response.raise_for_status()
                return response.content
            return single_timeline(await load_presentation(url, fetch))
    return asyncio.run(go())


def _get(client: httpx.Client, ref: SegmentRef) -> bytes:
    response = client.get(ref.urls[0], headers={"Range": ref.byte_range.header()} if ref.byte_range else {})
    response.raise_for_status()
    return response.content


@dataclass
class Walked:
    stream: bytes
    remuxer: Remuxer
    skipped: list[SegmentRef]


def remux(presentation: Presentation, *, plan: Sequence[int] | None = None, key: bytes | None = None) -> Walked:
    """The whole presentation remuxed: video rung ``plan[i]`` for segment i (default the lowest) of the ladder
    the player would build (one codec family); gaps skipped."""
    period = presentation.periods[0]
    track = period.tracks_of("audio")[0] if period.tracks_of("audio") else None
    audio = track.by_bandwidth()[-1] if track else None
    video = viewing_ladder(period.tracks_of("video")[0].by_bandwidth(), track, audio) if period.tracks_of("video") else ()
    tracks = tuple(k for k, present in (("video", video), ("audio", audio)) if present)
    remuxer = Remuxer(tracks=tracks)
    queue: list[tuple[float, int, str, Rendition, SegmentRef]] = []
    if video:
        for i, ref in enumerate(video[0].segments):
            rendition = video[plan[i] if plan else 0]
            queue.append((ref.start_s, 0, "video", rendition, rendition.segments[i]))
    if audio is not None:
        queue += [(ref.start_s, 1, "audio", audio, ref) for ref in audio.segments]
    out = bytearray()
    skipped: list[SegmentRef] = []
    with httpx.Client() as client:
        inits: dict[str, bytes] = {}
        for _, _, kind, rendition, ref in sorted(queue, key=lambda q: (q[0], q[1])):
            if ref.gap:
                skipped.append(ref)
                continue
            init_ref = ref.init or rendition.init
            init = b""
            if init_ref is not None:
                if init_ref.urls[0] not in inits:
                    inits[init_ref.urls[0]] = _get(client, init_ref)
                init = inits[init_ref.urls[0]]
            aes = None
            protection = ref.protection  # None: a clear segment (METHOD=NONE), whatever the rendition names
            if protection is not None and protection.scheme == "aes-128" and protection.key_uri:
                aes = Aes128Key(key=client.get(protection.key_uri).content, iv=protection.iv_for(ref) or b"")
            remuxer.add_segment(kind, init, _get(client, ref), key=key, aes=aes, rendition_id=rendition.id,
                                start_s=ref.start_s, timeline=ref.timeline, media_offset_s=ref.media_offset_s)
            out += remuxer.read()
    remuxer.flush()
    out += remuxer.read()
    return Walked(stream=bytes(out), remuxer=remuxer, skipped=skipped)


def play(stream: bytes, *, speed: float = 4, timeout_s: float = 30, demuxer_format: str | None = "mpegts") -> Played:
    """Play ``stream`` headless (paced at ``speed``x: libmpv coalesces property changes when untimed)."""
    played = Played()
    with MpvOutput(options={"speed": speed}, demuxer_format=demuxer_format) as output:
        output.start(0.0)
        output.push(stream)
        output.end_of_stream()

        def done(event: object) -> bool:
            if isinstance(event, VideoSize):
                played.sizes.append((event.width, event.height))
            elif isinstance(event, PositionChanged):
                played.last_position_s = max(played.last_position_s, event.position_s)
            return isinstance(event, EndOfFile)

        end = output.wait_for(done, timeout_s)
        played.end = end if isinstance(end, EndOfFile) else None
        played.decoder_errors = output.decoder_errors
    return played

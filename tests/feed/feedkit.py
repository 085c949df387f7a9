"""Helpers shared by the feed tests: remux a switch plan, decode the result with PyAV, play it in libmpv."""
from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import av

from player.feed.events import EndOfFile, VideoSize
from player.feed.mpv_output import MpvOutput
from player.feed.remux import Remuxer

KEY = bytes.fromhex("00112233445566778899aabbccddeeff")  # the content key of the protected test packages
KID = bytes.fromhex("0123456789abcdef0123456789abcdef")
WRONG_KEY = bytes.fromhex("ffeeddccbbaa99887766554433221100")


def remux_plan(package: Any, plan: Sequence[int], *, first: int = 0, audio_plan: Sequence[int] | None = None,
               key: bytes | None = None, flush: bool = True) -> bytes:
    """Remux video segments ``first, first+1, ...`` from rendition ``plan[i]`` (audio likewise), as a scheduler would."""
    remuxer = Remuxer()
    out = bytearray()
    audio_plan = audio_plan or [0] * len(plan)
    for i, (v, a) in enumerate(zip(plan, audio_plan)):
        video, audio = package.video[v], package.audio[a]
        remuxer.add_segment("video", video.init, video.segments[first + i], key=key, rendition_id=video.id)
        remuxer.add_segment("audio", audio.init, audio.segments[first + i], key=key, rendition_id=audio.id)
        out += remuxer.read()
    if flush:
        remuxer.flush()
        out += remuxer.read()
    return bytes(out)


def decoded_size_runs(ts: bytes) -> list[tuple[tuple[int, int], int]]:
    """Decode the TS strictly (errors raise) and return runs of (frame size, frame count) in display order."""
    with av.open(io.BytesIO(ts), format="mpegts") as container:
        stream = container.streams.video[0]
        stream.codec_context.options = {"err_detect": "explode"}
        sizes = [(f.width, f.height) for f in container.decode(stream)]
    return [(size, len(list(group))) for size, group in groupby(sizes)]


def play_to_end(ts: bytes, *, demuxer_format: str | None = "mpegts", timeout_s: float = 30) -> tuple[list[tuple[int, int]], EndOfFile | None, int]:
    """Play ``ts`` headless at 4x; return the video sizes libmpv reported, the end event and decoder errors.

    Paced (not untimed) because libmpv coalesces property changes: untimed, a 2 s rendition can
    pass before the observer sees its video-params.
    """
    sizes: list[tuple[int, int]] = []
    with MpvOutput(demuxer_format=demuxer_format, options={"speed": 4}) as output:
        output.start(0.0)
        output.push(ts)
        output.end_of_stream()

        def done(event: Any) -> bool:
            if isinstance(event, VideoSize):
                sizes.append((event.width, event.height))
            return isinstance(event, EndOfFile)

        end = output.wait_for(done, timeout_s)
        return sizes, end, output.decoder_errors  # type: ignore[return-value]

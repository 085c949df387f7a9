"""The feed sink the scheduler writes to: CMAF segments → one MPEG-TS stream → libmpv."""
from __future__ import annotations

from collections.abc import Sequence

from player.feed.mpv_output import MpvOutput
from player.feed.remux import TsRemuxer


class MuxFeed:
    """Remuxes each segment (decrypting with its key, in memory) and pushes the bytes to libmpv."""

    def __init__(self, output: MpvOutput, tracks: Sequence[str]) -> None:
        self.output = output
        self.tracks = tuple(tracks)
        self.remuxer = TsRemuxer(tracks=self.tracks)

    def add(self, kind: str, init: bytes, data: bytes, *, key: bytes | None, rendition_id: str) -> None:
        self.remuxer.add_segment(kind, init, data, key=key, rendition_id=rendition_id)
        self._drain()

    def finish(self) -> None:
        self.remuxer.flush()
        self._drain()
        self.output.end_of_stream()

    def restart(self, at_s: float) -> int:
        """A seek: a fresh remuxer and a fresh stream in libmpv, which will show ``at_s`` first; returns its generation."""
        self.remuxer = TsRemuxer(tracks=self.tracks)
        return self.output.restart(at_s)

    def _drain(self) -> None:
        data = self.remuxer.read()
        if data:
            self.output.push(data)

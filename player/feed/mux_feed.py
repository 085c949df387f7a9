"""The feed sink the scheduler writes to: segments of any kind → one MPEG-TS or Matroska stream → libmpv."""
from __future__ import annotations

from collections.abc import Sequence

from player.errors import PlaybackError
from player.feed.mpv_output import MpvOutput
from player.feed.media_input import Aes128Key
from player.feed.remux import Remuxer


class MuxFeed:
    """Remuxes each segment (decrypting with its key, in memory) and pushes the bytes to libmpv.

    The output may be attached after the first segments arrive: libmpv is created while the first
    requests are in flight, and what was muxed before it is ready is held and pushed on attach.
    """

    def __init__(self, tracks: Sequence[str], output: MpvOutput | None = None) -> None:
        self.output = output
        self.tracks = tuple(tracks)
        self.remuxer = Remuxer(tracks=self.tracks)
        self._held: list[bytes] = []
        self._finished = False

    def attach(self, output: MpvOutput) -> None:
        """Hand the stream to a started libmpv output, with everything muxed so far."""
        self.output = output
        for data in self._held:
            output.push(data)
        self._held.clear()
        if self._finished:  # everything arrived before libmpv did (offline, tiny titles)
            output.end_of_stream()

    def add(self, kind: str, init: bytes, data: bytes, *, key: bytes | None, rendition_id: str,
            aes: Aes128Key | None = None, start_s: float | None = None, timeline: int = 0) -> None:
        """``start_s``/``timeline``: where the manifest puts the segment, and its timeline id (see ``remux.Timeline``)."""
        self.remuxer.add_segment(kind, init, data, key=key, aes=aes, rendition_id=rendition_id, start_s=start_s,
                                 timeline=timeline)
        self._drain()

    def finish(self) -> None:
        self.remuxer.flush()
        self._drain()
        self._finished = True
        if self.output is not None:
            self.output.end_of_stream()

    def restart(self, at_s: float) -> int:
        """A seek: a fresh remuxer and a fresh stream in libmpv, which will show ``at_s`` first; returns its generation."""
        if self.output is None:
            raise PlaybackError("restart before libmpv was attached to the feed")
        self.remuxer = Remuxer(tracks=self.tracks)
        self._finished = False
        return self.output.restart(at_s)

    def _drain(self) -> None:
        data = self.remuxer.read()
        if not data:
            return
        if self.output is None:
            self._held.append(data)
        else:
            self.output.push(data)

"""The feed sink the scheduler writes to: segments of any kind → one MPEG-TS or Matroska stream → libmpv."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from player.errors import PlaybackError
from player.feed.mpv_output import MpvOutput
from player.feed.media_input import Aes128Key
from player.feed.remux import DroppedVideo, Hole, Remuxer
from player.feed.segment_reader import TS_CLOCK

KEYFRAME_NUDGE_S = 0.001


def keyframe_at(keyframes: Iterable[tuple[int, int]], at_s: float) -> float:
    """``at_s``, or the keyframe (pts, duration in 90 kHz) starting less than its own frame duration after it."""
    at = round(at_s * TS_CLOCK)
    keyframe = min((pts for pts, duration in keyframes if 0 <= pts - at < max(duration, 1)), default=None)
    # just past it: libmpv's cache seek to a keyframe's exact time lands on the keyframe before (and its
    # hr-seek still shows a frame up to 5 ms before the target)
    return at_s if keyframe is None else keyframe / TS_CLOCK + KEYFRAME_NUDGE_S


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
        self._earlier: list[Remuxer] = []  # remuxers before restarts: what they saw still belongs to the report

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
        self._earlier.append(self.remuxer)
        self.remuxer = Remuxer(tracks=self.tracks)
        self._finished = False
        return self.output.restart(at_s)

    @property
    def holes(self) -> list[Hole]:
        """Media missing inside a track, over every stream of the play (see ``Remuxer.holes``)."""
        return [h for r in (*self._earlier, self.remuxer) for h in r.holes]

    @property
    def dropped(self) -> list[DroppedVideo]:
        """Video left out at rendition switches, over every stream of the play (see ``Remuxer.dropped``)."""
        return [d for r in (*self._earlier, self.remuxer) for d in r.dropped]

    def seek_cached(self, at_s: float) -> int | None:
        """A seek inside what libmpv has cached: the stream and remuxer go on; its generation, or None (then restart).

        A target less than a frame before a keyframe — a manifest's segment start, where the media
        starts a little later (AAC priming) — seeks to the keyframe, which is the frame an exact seek
        shows first: libmpv would otherwise decode the whole GOP before it only to drop every frame.
        """
        if self.output is None:
            return None
        # libavformat's MPEG-TS muxer shifts all timestamps when the first is negative (AAC priming)
        shift = max(0, -(self.remuxer.first_dts or 0)) if self.remuxer.container == "mpegts" else 0
        return self.output.seek_cached(keyframe_at(((pts + shift, d) for pts, d in self.remuxer.keyframes), at_s))

    def _drain(self) -> None:
        data = self.remuxer.read()
        if not data:
            return
        if self.output is None:
            self._held.append(data)
        else:
            self.output.push(data)

"""The feed sink the scheduler writes to: segments of any kind → one MPEG-TS or Matroska stream → libmpv.

A presentation whose Periods change codec family or track set (:func:`player.manifest.periods.stream_parts`)
is fed as a chain of streams, one per part, each with its own remuxer: a muxer declares its tracks and
codecs once, and libmpv keeps a stream's decoders. Segments go to the part their ``timeline`` (Period
index) belongs to, so a part can fill while the one before still plays. A part is closed (trailer,
end of stream) once every track of it has delivered its last segment or moved on to a later part;
libmpv then plays it out, and at that end of file :meth:`MuxFeed.next_part` opens the next part as a new
file — the way a seek restarts the stream, at the Period's start.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from player.errors import PlaybackError
from player.feed.errors import FeedError
from player.feed.isobmff import display_rotation
from player.feed.mpv_output import MpvOutput
from player.feed.media_input import Aes128Key
from player.feed.remux import DroppedVideo, Hole, PeriodWindow, Remuxer
from player.feed.silence import Stretch, merged
from player.feed.segment_reader import TS_CLOCK
from player.manifest.periods import StreamPart

KEYFRAME_NUDGE_S = 0.001
_ON_START_S = 0.001
# How far past a new file's first keyframe its target must be for mpv's start seek (``MpvFiles.load``): closer,
# libavformat's MPEG-TS seek finds the target at or before its first timestamp, really seeks to that packet and
# the decoder loses the keyframe's parameter sets; mpv's demuxer seeks up to the audio's codec delay early
# (HE-AAC: ~0.09 s). Such a file shows its keyframe first and seeks in the cache as before.
START_SEEK_MARGIN_S = 0.1


def keyframe_at(keyframes: Iterable[tuple[int, int]], at_s: float) -> float:
    """``at_s``, or the keyframe (pts, duration in 90 kHz) starting less than its own frame duration after it."""
    at = round(at_s * TS_CLOCK)
    keyframe = min((pts for pts, duration in keyframes if 0 <= pts - at < max(duration, 1)), default=None)
    # just past it: libmpv's cache seek to a keyframe's exact time lands on the keyframe before (and its
    # hr-seek still shows a frame up to 5 ms before the target)
    return at_s if keyframe is None else keyframe / TS_CLOCK + KEYFRAME_NUDGE_S


@dataclass
class _Stream:
    """One part's remuxer and which of its tracks are complete."""

    remuxer: Remuxer
    complete: set[str] = field(default_factory=set)
    closed: bool = False


class MuxFeed:
    """Remuxes each segment (decrypting with its key, in memory) and pushes the bytes to libmpv.

    The output may be attached after the first segments arrive: libmpv is created while the first
    requests are in flight, and what was muxed before it is ready is held and pushed on attach.
    """

    def __init__(self, tracks: Sequence[str], output: MpvOutput | None = None, parts: Sequence[StreamPart] = (),
                 start_s: float = 0.0, carried_audio: bool = False) -> None:
        """``parts``: the stream parts of the presentation (one when none given); ``start_s``: where the play starts;
        ``carried_audio``: the video segments promise AAC of their own (a muxed variant's CODECS), so a stream that
        starts without it gets a silent track the audio joins (``Remuxer``)."""
        self.output = output
        self.tracks = tuple(tracks)
        self._carried_audio = carried_audio
        self.parts = tuple(parts) or (StreamPart(first_timeline=0, start_s=0.0, kinds=frozenset(self.tracks),
                                                 last_starts={}),)
        self._held: list[bytes] = []
        self._finished = False
        self._earlier: list[Remuxer] = []  # remuxers before restarts: what they saw still belongs to the report
        self.current = 0  # the part libmpv plays now
        self._chain: dict[int, _Stream] = {}
        self._video_init = b""
        self._rotation = 0  # what libmpv was told to turn the picture by (its default: 0)
        self._opening_at: float | None = None  # a file opened at this time has had no bytes yet
        self._begin(start_s)

    @property
    def remuxer(self) -> Remuxer:
        """The remuxer of the part libmpv plays now."""
        return self._chain[self.current].remuxer

    def remuxers(self) -> list[Remuxer]:
        """Every part's remuxer since the start (or the last seek), in play order: what each track fed."""
        return [self._chain[i].remuxer for i in sorted(self._chain)]

    def attach(self, output: MpvOutput) -> None:
        """Hand the stream to a started libmpv output, with everything muxed so far."""
        self.output = output
        if self._rotation:
            output.set_property("video-rotate", self._rotation)
        for data in self._held:
            self._push(data)
        self._held.clear()
        if self._chain[self.current].closed:  # everything arrived before libmpv did (offline, tiny titles)
            output.end_of_stream()

    def add(self, kind: str, init: bytes, data: bytes, *, key: bytes | None, rendition_id: str,
            aes: Aes128Key | None = None, start_s: float | None = None, timeline: int = 0,
            media_offset_s: float | None = None, window: PeriodWindow | None = None) -> float | None:
        """``start_s``/``timeline``/``media_offset_s``: where the manifest puts the segment, its timeline id and
        the offset from its media time the manifest gives (see ``remux.Timeline``); ``window``: where its Period starts
        and ends, outside which its media is cut. Returns where ``kind``'s media
        now ends in its part (the scheduler counts the buffer by it, not by the manifest's word alone)."""
        if kind == "video" and init and init != self._video_init:
            self._turn(init)
        index = self._part_of(timeline)
        if index < self.current:
            raise FeedError(f"a {kind} segment of a part already played out (timeline {timeline})")
        stream = self._stream(index)
        stream.remuxer.add_segment(kind, init, data, key=key, aes=aes, rendition_id=rendition_id, start_s=start_s,
                                   timeline=timeline, media_offset_s=media_offset_s, window=window)
        last = self.parts[index].last_starts.get(kind)
        for i in sorted(self._chain):
            if i < index or (i == index and start_s is not None and last is not None and start_s >= last - _ON_START_S):
                self._chain[i].complete.add(kind)
        self._close_complete()
        self._drain()
        return stream.remuxer.added_until_s(kind)

    def _turn(self, init: bytes) -> None:
        """The init's display rotation, told to libmpv: the MPEG-TS or Matroska stream we feed cannot carry it, and
        plain libmpv shows an fMP4 ``tkhd`` matrix turned (a phone's portrait clip played sideways before)."""
        self._video_init = init
        rotation = display_rotation(init)
        if rotation != self._rotation:
            self._rotation = rotation
            if self.output is not None:
                self.output.set_property("video-rotate", rotation)

    def finish(self) -> None:
        """The scheduler fed its last segment: every part still open is closed."""
        self._finished = True
        for i in sorted(self._chain):
            self._close(i)

    def next_part(self) -> tuple[float, int] | None:
        """libmpv played the current part to its end: open the next one as a new file; its start and generation.

        None when there is no next part (the presentation ended, or fetching stopped before it).
        """
        following = self.current + 1
        if self.output is None or following >= len(self.parts) or (self._finished and following not in self._chain):
            return None
        self._stream(following)
        self.current = following
        start_s = self.parts[following].start_s
        generation = self.output.restart(start_s)
        self._opening_at = start_s if start_s > 0 else None
        self._drain()
        if self._chain[following].closed:
            self.output.end_of_stream()
        return start_s, generation

    def restart(self, at_s: float) -> int:
        """A seek: a fresh remuxer and a fresh stream in libmpv, which will show ``at_s`` first; returns its generation."""
        if self.output is None:
            raise PlaybackError("restart before libmpv was attached to the feed")
        self._earlier += self.remuxers()
        self._begin(at_s)
        self._finished = False
        return self.output.restart(at_s)

    @property
    def holes(self) -> list[Hole]:
        """Media missing inside a track, over every stream of the play (see ``Remuxer.holes``)."""
        return [h for r in (*self._earlier, *self.remuxers()) for h in r.holes]

    @property
    def dropped(self) -> list[DroppedVideo]:
        """Video left out at rendition switches, over every stream of the play (see ``Remuxer.dropped``)."""
        return [d for r in (*self._earlier, *self.remuxers()) for d in r.dropped]

    @property
    def silences(self) -> list[Stretch]:
        """Silence fed where a muxed variant's segments carried no audio, over every stream (``Remuxer.silences``)."""
        return merged([s for r in (*self._earlier, *self.remuxers()) for s in r.silences])

    @property
    def stills(self) -> list[Stretch]:
        """The last picture held where a video playlist's segments carried audio alone (``Remuxer.stills``)."""
        return merged([s for r in (*self._earlier, *self.remuxers()) for s in r.stills])

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

    # -- internals ---------------------------------------------------------------------------------

    def _begin(self, at_s: float) -> None:
        """A fresh chain from the part that holds ``at_s``."""
        self.current = max(i for i, p in enumerate(self.parts) if i == 0 or p.start_s <= at_s + _ON_START_S)
        self._chain = {}
        self._opening_at = at_s if at_s > 0 else None
        self._stream(self.current)

    def _part_of(self, timeline: int) -> int:
        return max(i for i, p in enumerate(self.parts) if i == 0 or p.first_timeline <= timeline)

    def _stream(self, index: int) -> _Stream:
        if index not in self._chain:
            kinds = tuple(k for k in self.tracks if k in self.parts[index].kinds) or self.tracks
            self._chain[index] = _Stream(Remuxer(tracks=kinds, carried_audio=self._carried_audio))
        return self._chain[index]

    def _close_complete(self) -> None:
        for i, stream in sorted(self._chain.items()):
            if not stream.closed and set(stream.remuxer.tracks) <= stream.complete:
                self._close(i)

    def _close(self, index: int) -> None:
        stream = self._chain[index]
        if stream.closed:
            return
        stream.remuxer.flush()
        stream.closed = True
        if index == self.current:
            self._drain()
            if self.output is not None:
                self.output.end_of_stream()

    def _drain(self) -> None:
        data = self.remuxer.read()
        if not data:
            return
        if self.output is None:
            self._held.append(data)
        else:
            self._push(data)

    def _push(self, data: bytes) -> None:
        """Push to libmpv; before a file's first bytes, tell it whether its start seek can land (``START_SEEK_MARGIN_S``)."""
        assert self.output is not None
        if self._opening_at is not None:
            if self._start_seek_lands(self._opening_at):
                self.output.seek_at_open()
            self._opening_at = None
        self.output.push(data)

    def _start_seek_lands(self, at_s: float) -> bool:
        """Whether ``at_s`` is far enough past the current stream's first keyframe for mpv's start seek."""
        remuxer = self.remuxer
        if remuxer.container != "mpegts" or not remuxer.keyframes:
            return False
        shift = max(0, -(remuxer.first_dts or 0))  # the MPEG-TS muxer's (see seek_cached)
        first = (min(pts for pts, _ in remuxer.keyframes) + shift) / TS_CLOCK
        return at_s - first >= START_SEEK_MARGIN_S

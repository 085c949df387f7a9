"""Building libmpv for a session, off the event loop, while the backend and the CDN answer.

The file is opened here, as soon as the grant says where playback starts, so that libmpv is already
waiting on the stream when the first remuxed bytes arrive (opening it from the loop came 4 ms later:
the loop is busy with the first responses). With a text track the loop opens it after the track is
added (generation ``None``): libmpv keeps a file's demuxer options for sub-add'ed files too.
"""
from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from player.errors import FetchError
from player.feed.events import FeedEvent
from player.feed.mpv_output import MpvOutput
from player.feed.subtitle_files import SubtitleFile
from player.playback.opening import Opened
from player.playback.options import SessionOptions
from player.manifest import SegmentRef
from player.subtitles import TextLoader, media_origin, text_codec
from player.track_choice import choose_text
from player.ttml import SubtitleFormatError


def build_output(
    options: SessionOptions, clock: Callable[[], float], on_event: Callable[[FeedEvent], None],
    start_at: concurrent.futures.Future[float],
) -> tuple[MpvOutput, int | None]:
    """Run in a worker thread: the output, and the generation of the file it opened (``None``: not opened)."""
    # libmpv caches what we buffered (a seek inside it costs no fetch; Python holds little): same horizon
    output = MpvOutput(vo=options.vo, ao=options.ao, clock=clock, on_event=on_event, options=options.mpv_options,
                       readahead_s=options.buffer_capacity_s)
    if options.subtitle_language:
        return output, None
    try:
        start_s = start_at.result()
    except concurrent.futures.CancelledError:  # the session ended before it knew where to start
        return output, None
    try:
        return output, output.start(start_s)
    except BaseException:  # nobody else holds the output yet
        output.close()
        raise


Missed = tuple[float, float, str]  # a subtitle segment not read: its start, end and why


@dataclass
class ShownText:
    """The subtitle track handed to libmpv: how it is read (a live one reads on) and its file there."""

    loader: TextLoader
    rendition_id: str
    file: SubtitleFile
    stopped: str | None = None  # live: why it stopped reading on, the picture and sound playing on
    # the subtitle segments not read, by (timeline, number): none delivered, or not what the track says; live, let go
    # with the cues once the window has passed them
    missed: dict[tuple[int, int], Missed] = field(default_factory=dict)
    played_from_s: float = 0.0  # where the play started: a miss before it was never to be shown
    missed_before: int = 0  # misses in the play let go behind the window: still segments the viewer never saw

    def let_go_before(self, floor_s: float) -> None:
        """Forget the misses ending before ``floor_s`` (a channel runs for months); those in the play still count."""
        gone = [end for _, end, _ in self.missed.values() if end < floor_s]
        self.missed_before += sum(1 for end in gone if end > self.played_from_s)
        self.missed = {key: miss for key, miss in self.missed.items() if miss[1] >= floor_s}

    def lost(self, until_s: float) -> list[str]:
        """What the viewer asked for and did not get up to ``until_s``, one phrase each: a play with subtitles missing
        is not whole. Misses outside the play (the DVR window before its start, the live edge past its end) are not."""
        return ([f"the live subtitles stopped: {self.stopped}"] if self.stopped else []) + \
            [f"subtitles not shown: {why}" for start, end, why in self.missed.values()
             if end > self.played_from_s and start < until_s] + \
            ([f"{self.missed_before} earlier subtitle segments not shown"] if self.missed_before else [])

    @property
    def codec(self) -> str:
        """Its codec as read at load (the report's)."""
        return self.loader.codec or text_codec(self.loader.rendition)


async def add_subtitles(opened: Opened, output: MpvOutput, language: str | None, from_s: float) -> ShownText | None:
    """Load the text track ``language`` names (all its segments listed now, as WebVTT) and add it before the file
    opens."""
    track = choose_text(opened.presentation, language)
    if track is None or not language:
        return None
    rendition = track.renditions[0]
    loader = TextLoader(rendition, opened.source, origin=partial(media_origin, opened.presentation, opened.source))
    missed: dict[tuple[int, int], Missed] = {}
    await read_text(loader, missed, rendition.segments)
    file = output.add_subtitles(loader.loaded().webvtt, title=track.label or language, lang=track.language or language)
    return ShownText(loader=loader, rendition_id=rendition.id, file=file, missed=missed, played_from_s=from_s)


async def read_text(loader: TextLoader, missed: dict[tuple[int, int], Missed],
                    segments: Sequence[SegmentRef]) -> bool:
    """Read the segments not read yet one by one; True when any was. One no CDN delivers, or that is not what its
    track says, is named in ``missed`` (by timeline and number: its start, end and why) and the later ones are read
    meanwhile: the picture and sound play on, and the play is not whole (``ShownText.lost``). Live, a missed one is
    tried again at the next update while listed."""
    added = False
    for ref in segments:
        key = (ref.timeline, ref.number)
        try:
            read = await loader.add([ref])
        except (FetchError, SubtitleFormatError) as exc:  # one that is not what its track says is not read again
            missed[key] = (ref.start_s, ref.end_s, f"subtitle segment {ref.start_s:.1f}–{ref.end_s:.1f} s: "
                                                   f"{type(exc).__name__}: {exc}")
        else:
            if read:  # a miss is taken back only by reading that segment
                missed.pop(key, None)
            added = added or read
    return added

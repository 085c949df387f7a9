"""Building libmpv for a session, off the event loop, while the backend and the CDN answer.

The file is opened here, as soon as the grant says where playback starts, so that libmpv is already
waiting on the stream when the first remuxed bytes arrive (opening it from the loop came 4 ms later:
the loop is busy with the first responses). With a text track the loop opens it after the track is
added (generation ``None``): libmpv keeps a file's demuxer options for sub-add'ed files too.
"""
from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from player.feed.events import FeedEvent
from player.feed.mpv_output import MpvOutput
from player.feed.subtitle_files import SubtitleFile
from player.playback.opening import Opened
from player.playback.options import SessionOptions
from player.subtitles import TextLoader, media_origin, text_codec
from player.track_choice import choose_text


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


@dataclass
class ShownText:
    """The subtitle track handed to libmpv: how it is read (a live one reads on) and its file there."""

    loader: TextLoader
    rendition_id: str
    file: SubtitleFile
    stopped: str | None = None  # live: why it stopped reading on, the picture and sound playing on
    # live: the subtitle segments not read, by (timeline, number): their end and why (none delivered, or not what
    # the track says); let go with the cues once the window has passed them
    missed: dict[tuple[int, int], tuple[float, str]] = field(default_factory=dict)
    missed_before: int = 0  # misses let go behind the window: still segments the viewer never saw

    def let_go_before(self, floor_s: float) -> None:
        """Forget the misses ending before ``floor_s`` (a channel runs for months); they still count."""
        kept = {key: (end, why) for key, (end, why) in self.missed.items() if end >= floor_s}
        self.missed_before += len(self.missed) - len(kept)
        self.missed = kept

    def lost(self) -> list[str]:
        """What the viewer asked for and did not get, one phrase each: a play with subtitles missing is not whole."""
        return ([f"the live subtitles stopped: {self.stopped}"] if self.stopped else []) + \
            [f"subtitles not shown: {why}" for _, why in self.missed.values()] + \
            ([f"{self.missed_before} earlier subtitle segments not shown"] if self.missed_before else [])

    @property
    def codec(self) -> str:
        """Its codec as read at load (the report's)."""
        return self.loader.codec or text_codec(self.loader.rendition)


async def add_subtitles(opened: Opened, output: MpvOutput, language: str | None) -> ShownText | None:
    """Load the text track ``language`` names (all its segments listed now, as WebVTT) and add it before the file
    opens."""
    track = choose_text(opened.presentation, language)
    if track is None or not language:
        return None
    rendition = track.renditions[0]
    loader = TextLoader(rendition, opened.source, origin=partial(media_origin, opened.presentation, opened.source))
    await loader.add(rendition.segments)
    file = output.add_subtitles(loader.loaded().webvtt, title=track.label or language, lang=track.language or language)
    return ShownText(loader=loader, rendition_id=rendition.id, file=file)

"""Building libmpv for a session, off the event loop, while the backend and the CDN answer.

The file is opened here, as soon as the grant says where playback starts, so that libmpv is already
waiting on the stream when the first remuxed bytes arrive (opening it from the loop came 4 ms later:
the loop is busy with the first responses). With a text track the loop opens it after the track is
added (generation ``None``): libmpv keeps a file's demuxer options for sub-add'ed files too.
"""
from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from functools import partial

from player.feed.events import FeedEvent
from player.feed.mpv_output import MpvOutput
from player.playback.opening import Opened
from player.playback.options import SessionOptions
from player.subtitles import LoadedText, load_text_track, media_origin
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


async def add_subtitles(opened: Opened, output: MpvOutput, language: str | None) -> LoadedText | None:
    """Load the text track ``language`` names (all its segments, as WebVTT) and add it before the file opens;
    what was loaded (its codec is the report's)."""
    track = choose_text(opened.presentation, language)
    if track is None or not language:
        return None
    text = await load_text_track(track.renditions[0], opened.source,
                                 origin=partial(media_origin, opened.presentation, opened.source))
    output.add_subtitles(text.webvtt, title=track.label or language, lang=track.language or language)
    return text

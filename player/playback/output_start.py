"""Building libmpv for a session, off the event loop, while the backend and the CDN answer.

The file is opened here, as soon as the grant says where playback starts, so that libmpv is already
waiting on the stream when the first remuxed bytes arrive (opening it from the loop came 4 ms later:
the loop is busy with the first responses). With a text track the loop opens it after the track is
added (generation ``None``): libmpv keeps a file's demuxer options for sub-add'ed files too.
"""
from __future__ import annotations

import concurrent.futures
from collections.abc import Callable

from player.feed.events import FeedEvent
from player.feed.mpv_output import MpvOutput
from player.playback.options import SessionOptions


def build_output(
    options: SessionOptions, clock: Callable[[], float], on_event: Callable[[FeedEvent], None],
    start_at: concurrent.futures.Future[float],
) -> tuple[MpvOutput, int | None]:
    """Run in a worker thread: the output, and the generation of the file it opened (``None``: not opened)."""
    output = MpvOutput(vo=options.vo, ao=options.ao, clock=clock, on_event=on_event, options=options.mpv_options)
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

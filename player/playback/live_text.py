"""A live subtitle track read on while the channel plays: its segments are listed as the media's are (an HLS
subtitle playlist gets a refresher of its own; an MPD lists every Representation), read as they come and handed
to libmpv again whole (:meth:`MpvOutput.update_subtitles`). Loaded once at the start, as for a title, a channel
showed the first window's cues and then none, with nothing said.

Cues older than the DVR window are let go, so a kiosk playing a channel for months holds a window's worth.
A subtitle segment no CDN delivers is named in the report and the later ones are read on; a subtitle playlist
that cannot be followed ends only the subtitles, named too. The media's own loops decide whether the stream
stopped.
"""
from __future__ import annotations

from player.errors import PlayerError
from player.feed.mpv_adapter import MPV_FAILURES
from player.feed.mpv_output import MpvOutput
from player.live.follower import LiveFollower
from player.playback.output_start import ShownText, read_text
from player.subtitles import media_origin

KEEP_BEHIND_S = 30.0  # cues kept before the DVR window's start (a seek back to its edge still has them)
#: what ends the subtitles alone: a playlist that cannot be followed, a file that cannot be written, libmpv closing
_ENDS_SUBTITLES: tuple[type[BaseException], ...] = (PlayerError, OSError, *MPV_FAILURES)


async def follow_text(follower: LiveFollower, shown: ShownText, output: MpvOutput) -> None:
    """Read ``shown``'s new segments after every update of the live presentation until the event ends."""
    loader = shown.loader
    # a discontinuity (an ad break) listed after the play opened has its origin in the live presentation only
    loader.origin = lambda timeline: media_origin(follower.presentation(), loader.source, timeline)
    try:
        rendition = follower.rendition(shown.rendition_id)
        if rendition is not None:
            await follower.follow_text(rendition)
        while True:
            ended = follower.ended()
            if ended:  # the media's playlists ended: the subtitle playlist's own last reload may still be coming
                await follower.text_settled(shown.rendition_id)
            rendition = follower.rendition(shown.rendition_id)
            if rendition is not None and await read_text(shown.loader, shown.missed, rendition.segments):
                floor = follower.window().start_s - KEEP_BEHIND_S
                loader.forget_before(floor)
                shown.let_go_before(floor)
                output.update_subtitles(shown.file, loader.loaded().webvtt)
            if ended:
                return
            await follower.wait_update()
    except _ENDS_SUBTITLES as exc:  # the subtitles end; picture and sound play on
        shown.stopped = f"{type(exc).__name__}: {exc}"

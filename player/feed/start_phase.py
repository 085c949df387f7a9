"""The start/seek phases of one libmpv file, as a pure state machine (no libmpv here).

Why phases (see ``mpv_output``): a start at a time opens the file paused with a wide read-ahead
(KEYFRAME), showing the segment's keyframe — or, with mpv's start seek, the target itself: a first
``playback-restart`` on the target is the first frame. One before the target waits (CACHE) until one
of ``demuxer-cache-state``'s ``seekable-ranges`` holds the target — mpv only makes a keyframe's GOP
seekable once the *next* keyframe is demuxed — then seeks exactly inside the cache (SEEKING); the
restart after that seek is the first frame, and pause and read-ahead are restored. A start at 0 is
PLAYING at once. ``MpvOutput`` performs the :class:`Step` each transition asks for.

Why seekable ranges and not ``demuxer-cache-time``: the cache time is the newest packet read, but
mpv's demuxer (demux.c, ``adjust_seek_range_on_packet``) only makes a keyframe's GOP seekable once
the *next* keyframe (or the end of the stream) has been demuxed. With only the target's segment
cached the cache time is already past the target while ``seekable-ranges`` is empty; a seek then is
no in-cache seek but a low-level one on the pipe, which drops the cache, resyncs without the
parameter sets ("non-existing PPS 0 referenced") and shows the next segment's keyframe — one segment
late. So we wait for the range (the scheduler pushes the following segment anyway) or for the
demuxer's end of file.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any


# a first frame this close before the target (or past it) is the target's frame: mpv's hr-seek shows a
# frame up to 5 ms early (video.c), its start seek's as its exact seek's
ON_TARGET_S = 0.005


class Phase(enum.Enum):
    KEYFRAME = "keyframe"  # opened paused at the target's keyframe
    CACHE = "cache"  # waiting for the target to become seekable in mpv's cache
    SEEKING = "seeking"  # the exact seek is on its way
    PLAYING = "playing"  # the first frame is out; nothing to do


class Step(enum.Enum):
    NONE = "none"
    SEEK = "seek"  # seek exactly to ``StartPhases.target_s`` (in the cache)
    FIRST_FRAME = "first_frame"  # report the first frame
    RESTORE_AND_FIRST_FRAME = "restore"  # restore pause and read-ahead, then report the first frame


class StartPhases:
    """Tracks where the current file is on its way to the first frame."""

    def __init__(self) -> None:
        self.phase = Phase.PLAYING
        self.target_s: float | None = None

    def load(self, start_s: float) -> None:
        """A new file that must show ``start_s`` first."""
        self.phase = Phase.KEYFRAME if start_s > 0 else Phase.PLAYING
        self.target_s = start_s if start_s > 0 else None

    @property
    def starting(self) -> bool:
        """Still on the way to the first frame of a start at a time (pause and read-ahead are ours)."""
        return self.phase is not Phase.PLAYING

    def restarted(self, cache_state: Mapping[str, Any] | None, shown_s: float | None = None) -> Step:
        """libmpv's ``playback-restart`` for the current file, showing media time ``shown_s``.

        A target on the keyframe itself (a segment start: seek bars snap there, resumes often do)
        is shown already: no seek, so no wait for the next segment's keyframe.
        """
        on_target = shown_s is not None and self.target_s is not None and shown_s >= self.target_s - ON_TARGET_S
        if self.phase is Phase.KEYFRAME and not on_target:
            self.phase = Phase.CACHE
            return self.cache_changed(cache_state)
        if self.phase in (Phase.KEYFRAME, Phase.SEEKING):
            self.phase = Phase.PLAYING
            self.target_s = None
            return Step.RESTORE_AND_FIRST_FRAME
        if self.phase is Phase.PLAYING:
            return Step.FIRST_FRAME
        return Step.NONE

    def cache_changed(self, cache_state: Mapping[str, Any] | None) -> Step:
        """``demuxer-cache-state`` changed: seek once the target is seekable (or the whole file is cached)."""
        if self.phase is not Phase.CACHE or self.target_s is None or not cache_state:
            return Step.NONE
        if seekable(cache_state, self.target_s) or cache_state.get("eof-cached"):
            self.phase = Phase.SEEKING
            return Step.SEEK
        return Step.NONE


def seekable(cache_state: Mapping[str, Any], target_s: float, *, before_start_s: float | None = None) -> bool:
    """Whether mpv can seek to ``target_s`` inside its cache (demux.c ``find_cache_seek_range``).

    A range that starts at the beginning of the file (``bof-cached``) also takes targets before
    its first timestamp, as mpv does; the new file always starts at the target's keyframe.
    ``before_start_s`` bounds how far before: a seek must, for mpv lands such a target on the file's
    first frame — and a file that began mid-title (a live start, a resume, an earlier seek) does not
    hold the media before it (a 10 s timeshift back landed where the live play had started).
    """
    bof = bool(cache_state.get("bof-cached"))
    for cached in cache_state.get("seekable-ranges") or ():
        start, end = cached.get("start"), cached.get("end")
        if start is None or end is None or target_s > end:
            continue
        if start <= target_s or bof and (before_start_s is None or start - target_s <= before_start_s):
            return True
    return False

"""The files libmpv plays, one per start or seek: ``loadfile``, and driving each file's start phases.

Why (see :mod:`.mpv_output`): the stream cannot seek, so a start at a time or a seek outside the
cache is a new file on a fresh ``reelbox://<n>`` stream that begins at the target segment's keyframe.
It opens paused with a wide read-ahead. When the feed says the target lies well inside that first GOP
(:meth:`MpvFiles.seek_at_open`), libmpv opens it with its ``start`` option: its start seek re-reads the
stream from byte 0 (the queue keeps that head, :mod:`.stream_queue`) and its hr-seek drops the frames
before the target, so the first frame shown is the target — one decode pass, and no wait for the next
segment. Otherwise the keyframe is shown first and, unless it is the target, seeked exactly inside mpv's
cache once the target is seekable there (:mod:`.start_phase`, the pure state machine; :mod:`.cache_poll`
watches for it); only the restart on the target is reported as :class:`FirstFrame`. Events of a file being replaced are ignored: a
``playback-restart`` still queued for the previous file must not drive the new file's start phases.
A file's generation is its playlist entry id (``loadfile`` adds one entry each, numbered from 1), and
``start-file`` names the entry it started: libmpv sends no ``start-file`` for a file that a newer
``loadfile`` replaced before it began (two seeks 0.05 s apart), so counting those events fell one
behind for good and every later file's first frame was ignored — playback stalled. Event-thread
code here never waits on libmpv's core, but for a play with subtitles: their ``sub-add`` at a file's load
returns once libmpv lists the track (:mod:`.subtitle_files`).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import mpv

from . import mpv_adapter
from .cache_poll import poll_until
from .errors import PlaybackError
from .events import FeedEvent, FirstFrame
from .mpv_options import LAVF_DEFAULTS
from .start_phase import Phase, StartPhases, Step, seekable
from .stream_protocol import QueueProtocol
from .subtitle_files import SubtitleFiles

BOF_SLACK_S = 0.25  # a cache seek may land this far before the file's first timestamp (AAC priming), no further


class MpvFiles:
    """Opens libmpv's files and performs the steps their start phases ask for; thread-safe."""

    def __init__(
        self, *, player: mpv.MPV, props: mpv_adapter.PropertyWriter, protocol: QueueProtocol,
        subtitles: SubtitleFiles, fast_open: Mapping[str, Any], readahead_s: float,
        emit: Callable[[FeedEvent], None], clock: Callable[[], float],
    ) -> None:
        self._mpv, self._props, self._protocol, self._subtitles = player, props, protocol, subtitles
        self._fast_open, self._readahead_s, self._emit, self._clock = fast_open, readahead_s, emit, clock
        self._generation = 0  # the playlist entry of the file libmpv started last (start-file)
        self._loads = 0  # the playlist entry of the newest loadfile: its generation
        self._lock = threading.Lock()
        self._alive, self._closed = threading.Lock(), False
        self.file_loaded = False
        self._phases = StartPhases()
        self._user_paused = False

    def load(self, start_s: float) -> int:
        """A new file on a fresh stream that shows ``start_s`` first; returns its generation."""
        with self._lock:
            self._phases.load(start_s)
            url = self._protocol.open_next(rewindable=self._phases.starting)
            self.file_loaded = False
            self._loads += 1
            generation = self._loads
        try:
            if self._phases.starting:
                wide = self._readahead_s + 30.0  # enough to cache from the keyframe to the target
                self._props.apply({"cache-secs": wide, "demuxer-readahead-secs": wide, "pause": True})
            else:
                self._restore_after_start()
            self._props.apply({"start": "none"})  # mpv's start seek only when the feed asks (seek_at_open)
            # libmpv keeps a file's demuxer options for the sub-add'ed files too: with text
            # tracks, open without the forced format (slower start, but the .vtt opens).
            self._props.apply({option: value for option, value in (LAVF_DEFAULTS if self._subtitles else self._fast_open).items()
                               if option in self._fast_open})
            self._mpv.loadfile(url)
        except mpv_adapter.MPV_FAILURES as exc:
            raise PlaybackError(f"libmpv refused to open the stream: {exc}") from exc
        return generation

    def seek_at_open(self) -> None:
        """Open the newest file with mpv's start seek to its target; call before its first bytes.

        A global option, not a per-file one: the feed knows where the stream's first keyframe is only with
        those bytes, after the ``loadfile``, and libmpv reads ``start`` once the new stream has opened (which
        needs them); a ``file-local-options`` set could still land on the file being replaced.
        """
        if self._phases.starting and self._phases.target_s is not None:
            self._props.apply({"start": f"{self._phases.target_s:.6f}"})

    def seek_cached(self, at_s: float) -> int | None:
        """An exact seek inside libmpv's cache (the file's generation); None when ``at_s`` is not cached there."""
        cache = None if self._phases.starting or not self._is_current() else self.read("demuxer-cache-state")
        if not cache or not seekable(cache, at_s, before_start_s=BOF_SLACK_S):
            return None
        self._mpv.command_async("seek", at_s, "absolute+exact")
        return self._loads

    def pause(self, paused: bool) -> None:
        """The viewer's pause; while a file starts it is held paused and this applies after its first frame."""
        self._user_paused = paused
        if not self._phases.starting:
            self._props.apply({"pause": paused})

    def file_started(self, entry_id: int) -> None:
        """libmpv's ``start-file`` (event thread): the file of playlist entry ``entry_id`` is now the one playing."""
        self._generation = entry_id

    def on_event(self, eid: int) -> None:
        """libmpv's file events (event thread): a file loaded, or (re)started showing frames."""
        if eid == mpv.MpvEventID.FILE_LOADED:
            self.file_loaded = True
            self._props.apply({option: value for option, value in LAVF_DEFAULTS.items() if option in self._fast_open},
                              wait=False)
            # the viewer's choice carries over (a hidden track's ``sid`` option reads "no": False); else shown. A play
            # without subtitles reads nothing: one property read less on every file load's path
            if self._subtitles.files:
                self._subtitles.attach(*self._subtitles.files, select=self.read("options/sid") is not False)
        elif eid == mpv.MpvEventID.PLAYBACK_RESTART:
            at = self._clock()
            if self._is_current():  # else: the previous file's restart, still queued when a new load replaced it
                self._protocol.forget_head()
                cache = self.read("demuxer-cache-state") if self._phases.starting else None
                self._step(self._phases.restarted(cache, self.read("time-pos")), at)
                if self._phases.phase is Phase.CACHE:
                    generation = self._loads
                    poll_until(lambda: self._loads != generation or self.cache_changed(
                        self.read("demuxer-cache-state"), self._clock()))

    @property
    def generation(self) -> int:
        return self._generation

    def cache_changed(self, cache: Any, at: float) -> bool:
        """A new cache state for the current file (event thread or poll): seek once the target is seekable; True when done waiting."""
        with self._lock:
            step = self._phases.cache_changed(cache) if self._is_current() else Step.NONE
        self._step(step, at)
        return self._phases.phase is not Phase.CACHE

    def _step(self, step: Step, at: float) -> None:
        if step is Step.SEEK:
            self._mpv.command_async("seek", self._phases.target_s, "absolute+exact")
        elif step in (Step.FIRST_FRAME, Step.RESTORE_AND_FIRST_FRAME):
            if step is Step.RESTORE_AND_FIRST_FRAME:
                self._restore_after_start(wait=False)
            self._emit(FirstFrame(at=at, position_s=self.read("time-pos"), generation=self._generation))

    def _is_current(self) -> bool:
        """True once the newest loadfile's file has started: events from now on are about it."""
        return self._generation == self._loads

    def _restore_after_start(self, *, wait: bool = True) -> None:
        self._props.apply({"cache-secs": self._readahead_s, "demuxer-readahead-secs": self._readahead_s,
                           "pause": self._user_paused}, wait=wait)

    def read(self, name: str) -> Any:
        """A libmpv property; None when unavailable, or once :meth:`close` said libmpv is going (a read of a
        terminated libmpv segfaults, and the cache poll reads on its own thread for up to 5 s)."""
        with self._alive:
            return None if self._closed else mpv_adapter.read_property(self._mpv, name)

    def close(self) -> None:
        with self._alive:
            self._closed = True

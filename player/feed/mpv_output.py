"""The libmpv end of the feed: one ``mpv.MPV`` that decodes and renders the MPEG-TS we push.

Why this shape (DESIGN.md "We are the only downloader"; PLATFORM.md "Feeding segments to libmpv"):
- libmpv reads a non-seekable ``reelbox://<n>`` stream (:mod:`.stream_protocol`) fed by
  :meth:`MpvOutput.push`; it reads ahead only what we pushed (a session sets ``readahead_s`` to its
  buffer capacity: the buffer our scheduler counts is the buffer that exists, now in libmpv's cache),
  and its options (:mod:`.mpv_options`) make the first frame come fast.
- A seek to a time libmpv has cached is an exact seek there (:meth:`seek_cached`). Any other seek is
  a new ``loadfile`` on a fresh stream (:meth:`restart`), because the stream cannot
  seek. mpv's own ``start`` option is *not* used: its seek happens before the data is cached and
  falls through to libavformat, which on a pipe skips forward past the parameter sets (decoder
  errors, wrong start). Instead the file opens paused at the segment's keyframe and is seeked
  exactly inside mpv's cache once the target is seekable there (:mod:`.start_phase`, the state
  machine; :mod:`.cache_poll` watches for it); only that last restart is reported as :class:`FirstFrame`.
- Events of a file that is being replaced are ignored: a ``playback-restart`` still queued for the
  previous file must not drive the new file's start phases (``start-file`` counts the files).
- libmpv's log (:mod:`.mpv_log`) counts decoder trouble, and tells of a missing sound device (we
  fall back to ``ao=null`` with an :class:`OutputNotice`) or of a video output that cannot open
  (``vo`` is a chain, ``gpu`` → ``x11``; its failure ends the file with libmpv's reasons).
- Every python-mpv private name is used in :mod:`.mpv_adapter` only.

Events (:mod:`.events`) go to the ``on_event`` callback — called on python-mpv's event thread, so
keep it short — and to the :attr:`MpvOutput.events` queue.
"""
from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import mpv

from . import mpv_adapter
from .errors import PlaybackError
from .events import (
    EndOfFile, FeedEvent, FirstFrame, IdleChanged, LogProblem, OutputNotice, PositionChanged, StallChanged, VideoSize,
)
from .mpv_log import AO_INIT_FAILED, LogWatch
from .mpv_options import LAVF_DEFAULTS, build_settings
from .cache_poll import poll_until
from .start_phase import Phase, StartPhases, Step, seekable
from .stream_protocol import QueueProtocol
from .subtitle_files import SubtitleFile, SubtitleFiles

PROTOCOL = "reelbox"
BOF_SLACK_S = 0.25  # a cache seek may land this far before the file's first timestamp (AAC priming), no further
_END_REASONS = {0: "eof", 1: "restarted", 2: "stop", 3: "quit", 4: "error", 5: "redirect"}
# libmpv's threads call into Python for every stream read, event and log line, and each call waits
# for the GIL; under CPython's default 5 ms switch interval a busy event loop (remuxing the next
# segment) holds them that long per call. 0.5 ms: first frame ~2 ms sooner (benchmarks/startup.py).
GIL_SWITCH_INTERVAL_S = 0.0005


class MpvOutput:
    """Owns the libmpv instance of one playback pipeline; thread-safe for push/end from any thread."""

    def __init__(
        self,
        *,
        vo: str = "null",
        ao: str = "null",
        realtime: bool = True,
        readahead_s: float = 1.0,
        demuxer_format: str | None = "mpegts",
        clock: Callable[[], float] = time.monotonic,
        on_event: Callable[[FeedEvent], None] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        """``realtime=False`` (with ``ao="null"``) lets tests decode faster than real time.

        ``demuxer_format=None`` lets libmpv probe (used by the fMP4 negative control in tests);
        ``options`` are extra mpv options, e.g. ``{"wid": 1234}`` for the UI.
        """
        if sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        self._clock = clock
        self._on_event = on_event
        self.events: queue.SimpleQueue[FeedEvent] = queue.SimpleQueue()
        self._log = LogWatch()
        self.audio_fell_back = False  # no sound device: playing with ao=null (an OutputNotice said so)
        self.position_s: float | None = None
        self.video_size: tuple[int, int] | None = None
        self.stalled = False
        self._generation = 0  # files started (start-file events) so far
        self._loads = 0  # loadfile commands issued; the n-th becomes generation n
        self._lock = threading.Lock()
        self._closed_lock, self._closed = threading.Lock(), False  # no read of a terminated libmpv (it segfaults)
        self._subtitles = SubtitleFiles()
        self._file_loaded = False
        self._phases = StartPhases()
        self._readahead_s = readahead_s
        self._user_paused = False
        settings = build_settings(vo=vo, ao=ao, realtime=realtime, readahead_s=readahead_s,
                                  demuxer_format=demuxer_format, extra=options)
        self._vo = settings.create["vo"]
        self._fast_open = settings.fast_open
        self._mpv = mpv_adapter.create(self._on_log, settings.create)
        self._props = mpv_adapter.PropertyWriter(self._mpv, settings.applied)
        self._protocol = QueueProtocol(self._mpv, PROTOCOL)
        for name in ("time-pos", "paused-for-cache", "core-idle", "video-params", "demuxer-cache-state"):
            self._mpv.observe_property(name, self._on_property)
        self._mpv.register_event_callback(self._on_mpv_event)

    @property
    def decoder_errors(self) -> int:
        """Warn/error lines of the decoders so far (a clean rendition switch shows zero)."""
        return self._log.decoder_errors

    @property
    def log_problems(self) -> int:
        return self._log.problems

    # -- feeding -------------------------------------------------------------------------------

    def start(self, start_s: float = 0.0) -> int:
        """Open a fresh stream that shows media time ``start_s`` first; returns the stream's generation.

        Push the segment containing ``start_s`` (its keyframe) first.
        """
        return self._load(start_s)

    def restart(self, at_s: float) -> int:
        """Seek: drop the current stream, open a new one that starts showing at ``at_s``.

        The caller then pushes (remuxed, from a new remuxer) the segment containing ``at_s`` and on.
        """
        return self._load(at_s)

    def seek_cached(self, at_s: float) -> int | None:
        """Seek exactly inside libmpv's cache, no new stream; None when ``at_s`` is not cached there (then :meth:`restart`)."""
        cache = None if self._phases.starting or not self._is_current() else self.property("demuxer-cache-state")
        if not cache or not seekable(cache, at_s, before_start_s=BOF_SLACK_S):
            return None
        self._mpv.command_async("seek", at_s, "absolute+exact")
        return self._loads

    def push(self, data: bytes) -> None:
        """Append MPEG-TS bytes to the current stream (never blocks)."""
        q = self._protocol.current
        if q is None:
            raise PlaybackError("push() before start()")
        q.push(data)

    def end_of_stream(self) -> None:
        """No more bytes: libmpv plays out what it has and reports ``EndOfFile(reason="eof")``."""
        if (q := self._protocol.current) is not None:
            q.end()

    def pause(self, paused: bool) -> None:
        """Pause or resume presentation (our download scheduler keeps running either way)."""
        self._user_paused = paused
        if not self._phases.starting:
            self._props.apply({"pause": paused})

    @property
    def queued_bytes(self) -> int:
        """Bytes pushed that libmpv has not read yet."""
        q = self._protocol.current
        return q.queued_bytes if q is not None else 0

    # -- subtitles -------------------------------------------------------------------------------

    def add_subtitles(self, webvtt: str, *, title: str = "", lang: str = "") -> None:
        """Add a WebVTT text track (W3C WebVTT); call before start() — it is re-attached after every restart().

        Known limit: added mid-file while the fast-open options force "mpegts", libmpv refuses it.
        """
        added = self._subtitles.add(webvtt, title=title, lang=lang)
        if self._file_loaded:
            self._sub_add(added)

    def _sub_add(self, sub: SubtitleFile) -> None:
        try:
            self._mpv.command_async("sub-add", str(sub.path), "select", sub.title, sub.lang)
        except mpv_adapter.MPV_FAILURES as exc:
            raise PlaybackError(f"libmpv refused the subtitle track: {exc}") from exc

    # -- state -------------------------------------------------------------------------------------

    def property(self, name: str) -> Any:
        """Read any libmpv property (None when unavailable or closed), e.g. ``"track-list"``."""
        with self._closed_lock:
            try:
                return None if self._closed else getattr(self._mpv, name.replace("-", "_"))
            except mpv_adapter.MPV_READ_FAILURES:
                return None

    def set_property(self, name: str, value: Any) -> None:
        """Set a libmpv property (volume, mute, fullscreen ...); a no-op once libmpv has shut down."""
        try:
            setattr(self._mpv, name.replace("-", "_"), value)
        except mpv_adapter.MPV_FAILURES:
            pass

    def wait_for(self, predicate: Callable[[FeedEvent], bool], timeout_s: float) -> FeedEvent | None:
        """Consume :attr:`events` until one matches (returned) or ``timeout_s`` passes (None). For tests and the CLI."""
        deadline = self._clock() + timeout_s
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                return None
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                return None
            if predicate(event):
                return event

    def close(self) -> None:
        """Stop libmpv and free everything (idempotent); a read still polling (cache_poll) then gets None."""
        with self._closed_lock:
            self._closed = True
        if (q := self._protocol.current) is not None:
            q.close()
        try:
            self._mpv.terminate()
        except mpv_adapter.MPV_FAILURES:
            pass
        else:
            self._protocol.release()
        self._subtitles.cleanup()

    def __enter__(self) -> MpvOutput:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------

    def _load(self, start_s: float) -> int:
        with self._lock:
            url = self._protocol.open_next()
            self._file_loaded = False
            self._phases.load(start_s)
            self._loads += 1
            generation = self._loads
        try:
            if self._phases.starting:
                wide = self._readahead_s + 30.0  # enough to cache from the keyframe to the target
                self._props.apply({"cache-secs": wide, "demuxer-readahead-secs": wide, "pause": True})
            else:
                self._restore_after_start()
            # libmpv keeps a file's demuxer options for the sub-add'ed files too: with text
            # tracks, open without the forced format (slower start, but the .vtt opens).
            self._props.apply({option: value for option, value in (LAVF_DEFAULTS if self._subtitles else self._fast_open).items()
                         if option in self._fast_open})
            self._mpv.loadfile(url)
        except mpv_adapter.MPV_FAILURES as exc:
            raise PlaybackError(f"libmpv refused to open the stream: {exc}") from exc
        return generation

    def _emit(self, event: FeedEvent) -> None:
        self.events.put(event)
        if self._on_event is not None:
            self._on_event(event)

    def _on_log(self, level: str, component: str, text: str) -> None:
        text = text.strip()
        no_sound = self._log.line(level, component, text)
        self._emit(LogProblem(at=self._clock(), level=level, component=component, text=text,
                              decoder=LogWatch.is_decoder(component)))
        if no_sound and not self.audio_fell_back:
            self._fall_back_to_silence(text)

    def _fall_back_to_silence(self, reason: str) -> None:
        """No sound device: play on with ``ao=null`` (re-selecting the audio track libmpv dropped), and say so."""
        self.audio_fell_back = True
        for command in (("set", "ao", "null"), ("set", "aid", "no"), ("set", "aid", "auto")):
            self._mpv.command_async(*command)  # on the log thread: never wait on libmpv's core here
        self._emit(OutputNotice(at=self._clock(), code="no_audio_device",
                                message=f"no sound device, playing without sound (libmpv: {reason})"))

    def _on_property(self, name: str, value: Any) -> None:
        now = self._clock()
        if name == "time-pos" and value is not None:
            self.position_s = float(value)
            self._emit(PositionChanged(at=now, position_s=float(value)))
        elif name == "paused-for-cache" and value is not None:
            self.stalled = bool(value)
            self._emit(StallChanged(at=now, stalled=bool(value)))
        elif name == "core-idle" and value is not None:
            self._emit(IdleChanged(at=now, idle=bool(value)))
        elif name == "demuxer-cache-state" and value and self._is_current():
            self._cache_changed(value, now)
        elif name == "video-params" and value:
            w, h = value.get("w"), value.get("h")
            if w and h and (w, h) != self.video_size:
                self.video_size = (int(w), int(h))
                self._emit(VideoSize(at=now, width=int(w), height=int(h)))

    def _on_mpv_event(self, event: mpv.MpvEvent) -> None:
        eid = event.event_id.value
        if eid == mpv.MpvEventID.START_FILE:
            self._generation += 1
        elif eid == mpv.MpvEventID.FILE_LOADED:
            self._file_loaded = True
            self._props.apply({option: value for option, value in LAVF_DEFAULTS.items() if option in self._fast_open},
                        wait=False)
            for sub in self._subtitles.files:
                self._sub_add(sub)
        elif eid == mpv.MpvEventID.PLAYBACK_RESTART:
            at = self._clock()
            if self._is_current():  # else: the previous file's restart, still queued when restart() replaced it
                cache = self.property("demuxer-cache-state") if self._phases.starting else None
                self._step(self._phases.restarted(cache, self.property("time-pos")), at)
                if self._phases.phase is Phase.CACHE:
                    generation = self._loads
                    poll_until(lambda: self._loads != generation or self._cache_changed(
                        self.property("demuxer-cache-state"), self._clock()))
        elif eid == mpv.MpvEventID.END_FILE:
            data = event.data
            reason = _END_REASONS.get(data.reason, "unknown")
            code = data.error if reason == "error" else None
            if code == AO_INIT_FAILED and self.audio_fell_back:
                reason, code = "eof", None  # libmpv still blames the sound device it had not: played to the end
            vo_failed = code is not None and self._log.video_output_failed
            error = None if code is None else self._log.explain(
                f"no video output could open (vo={self._vo})" if vo_failed else mpv_adapter.error_text(code))
            self._emit(EndOfFile(at=self._clock(), reason=reason, error=error, generation=self._generation,
                                 video_output_failed=vo_failed))

    def _cache_changed(self, cache: Any, at: float) -> bool:
        """A new cache state for the current file (event thread or poll): seek once the target is seekable; True when done waiting."""
        with self._lock:
            step = self._phases.cache_changed(cache) if self._is_current() else Step.NONE
        self._step(step, at)
        return self._phases.phase is not Phase.CACHE

    def _step(self, step: Step, at: float) -> None:
        """Do what the start phases ask (on the event thread: nothing here may wait on libmpv)."""
        if step is Step.SEEK:
            self._mpv.command_async("seek", self._phases.target_s, "absolute+exact")
        elif step in (Step.FIRST_FRAME, Step.RESTORE_AND_FIRST_FRAME):
            if step is Step.RESTORE_AND_FIRST_FRAME:
                self._restore_after_start(wait=False)
            self._emit(FirstFrame(at=at, position_s=self.property("time-pos"), generation=self._generation))

    def _is_current(self) -> bool:
        """True once the newest loadfile's file has started: events from now on are about it."""
        return self._generation == self._loads

    def _restore_after_start(self, *, wait: bool = True) -> None:
        self._props.apply({"cache-secs": self._readahead_s, "demuxer-readahead-secs": self._readahead_s,
                     "pause": self._user_paused}, wait=wait)

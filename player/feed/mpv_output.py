"""The libmpv end of the feed: one ``mpv.MPV`` that decodes and renders the MPEG-TS we push.

Why this shape (DESIGN.md "We are the only downloader"; PLATFORM.md "Feeding segments to libmpv"):
- libmpv reads a non-seekable ``reelbox://<n>`` stream (:mod:`.stream_protocol`) fed by
  :meth:`MpvOutput.push`; its own read-ahead is kept small so that the buffer our scheduler counts
  is the buffer that exists.
- ``demuxer-lavf-format=mpegts`` with a tiny probe makes the first frame come fast (37 ms median
  measured against 58 ms with default probing).
- ``rebase-start-time=no`` keeps ``time-pos`` on the presentation timeline (segment ``tfdt``), so
  positions, ``start`` and seeks all speak media time.
- A seek is a new ``loadfile`` on a fresh stream (:meth:`restart`), because the stream cannot
  seek. mpv's own ``start`` option is *not* used: its seek happens before the data is cached and
  falls through to libavformat, which on a pipe skips forward past the parameter sets (decoder
  errors, wrong start). Instead the file opens paused at the segment's keyframe with a longer
  read-ahead; once one of ``demuxer-cache-state``'s ``seekable-ranges`` holds the target, an exact
  seek is made inside mpv's cache (``force-seekable`` + ``demuxer-seekable-cache``, a small back
  buffer keeps the keyframe); ``hr-seek`` decodes up to the target and shows it, then pause and
  read-ahead are restored. Only that last restart is reported as :class:`FirstFrame`.
- Why seekable ranges and not ``demuxer-cache-time``: the cache time is the newest packet read,
  but mpv's demuxer (demux.c, ``adjust_seek_range_on_packet``) only makes a keyframe's GOP
  seekable once the *next* keyframe (or the end of the stream) has been demuxed. With only the
  target's segment cached the cache time is already past the target while ``seekable-ranges`` is
  empty; a seek then is no in-cache seek but a low-level one on the pipe, which drops the cache,
  resyncs without the parameter sets ("non-existing PPS 0 referenced") and shows the next
  segment's keyframe — one segment late. So we wait for the range (the scheduler pushes the
  following segment anyway) or for the demuxer's end of file.
- Events of a file that is being replaced are ignored: a ``playback-restart`` still queued for the
  previous file must not drive the new file's start phases (``start-file`` counts the files).
- Decoder trouble is counted from libmpv's log (warn/error lines of the decoders), the only place
  libmpv reports it: a clean rendition switch shows zero.

Events (:mod:`.events`) go to the ``on_event`` callback — called on python-mpv's event thread, so
keep it short — and to the :attr:`MpvOutput.events` queue.
"""
from __future__ import annotations

import itertools
import queue
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import mpv

from .errors import PlaybackError, PlayerStartError
from .events import EndOfFile, FeedEvent, FirstFrame, IdleChanged, LogProblem, PositionChanged, StallChanged, VideoSize
from .stream_protocol import QueueProtocol
from .stream_queue import StreamQueue

PROTOCOL = "reelbox"
_DECODER_COMPONENTS = ("ffmpeg/video", "ffmpeg/audio", "vd", "ad")
_UNSET = object()
_LAVF_DEFAULTS = {"demuxer-lavf-format": "", "demuxer-lavf-probesize": 5_000_000, "demuxer-lavf-analyzeduration": 0}
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
        self.decoder_errors = 0
        self.log_problems = 0
        self.position_s: float | None = None
        self.video_size: tuple[int, int] | None = None
        self.stalled = False
        self._generation = 0  # files started (start-file events) so far
        self._loads = 0  # loadfile commands issued; the n-th becomes generation n
        self._names = itertools.count(1)
        self._queue: StreamQueue | None = None
        self._name: str | None = None
        self._lock = threading.Lock()
        self._subs_dir: tempfile.TemporaryDirectory[str] | None = None
        self._subtitles: list[tuple[Path, str, str]] = []
        self._file_loaded = False
        self._pending_start: float | None = None
        self._start_phase: str | None = None  # None | "keyframe" | "cache" | "seeking"
        self._readahead_s = readahead_s
        self._user_paused = False
        mpv_options: dict[str, Any] = {
            "vo": vo,
            "ao": ao,
            "idle": "yes",
            "keep_open": "no",
            # The stream cannot seek, but mpv may seek inside what it has cached: that is how
            # `start` lands on an exact time inside the first segment we push.
            "cache": "yes",
            "demuxer_seekable_cache": "yes",
            "force_seekable": "yes",
            "cache_secs": readahead_s,
            "demuxer_readahead_secs": readahead_s,
            "demuxer_max_bytes": "16MiB",
            "demuxer_max_back_bytes": "8MiB",  # back buffer for the exact start seek, not read-ahead
            "rebase_start_time": "no",
            "hr_seek": "yes",
            "input_default_bindings": False,
            "input_vo_keyboard": False,
            "osc": False,
            "ytdl": False,
            "load_scripts": False,
        }
        # Fast open: forced format, tiny probe. Set before each loadfile and reset once the file is
        # loaded, because the same options would also force "mpegts" onto a sub-add'ed WebVTT file.
        self._fast_open: dict[str, Any] = (
            {"demuxer-lavf-format": demuxer_format, "demuxer-lavf-probesize": 32, "demuxer-lavf-analyzeduration": 0.1}
            if demuxer_format
            else {}
        )
        if not realtime:
            mpv_options.update(ao_null_untimed="yes", untimed="yes")
        # What the first file opens with is set before libmpv initializes, so that a start at 0 costs
        # little more than the loadfile (each runtime property set is a round trip to mpv's core).
        # Not the forced format: a string option set once can never return to "unset" ("" is an
        # unknown format to lavf), and a sub-add'ed file needs it unset.
        preset = {name: value for name, value in self._fast_open.items() if name != "demuxer-lavf-format"}
        mpv_options.update({name.replace("-", "_"): value for name, value in preset.items()})
        mpv_options.update(options or {})
        self._applied: dict[str, Any] = {
            "cache-secs": readahead_s, "demuxer-readahead-secs": readahead_s, "pause": False,
            "demuxer-lavf-format": "", **preset,
        }
        for name in options or {}:  # the caller's own value: not known to be in force
            self._applied.pop(name.replace("_", "-"), None)
        try:
            self._mpv = mpv.MPV(log_handler=self._on_log, loglevel="warn", config=False, **mpv_options)
        except (OSError, AttributeError, TypeError, ValueError, SystemError) as exc:
            raise PlayerStartError(f"libmpv could not be created: {exc}") from exc
        self._protocol = QueueProtocol(self._mpv, PROTOCOL)
        for name in ("time-pos", "paused-for-cache", "core-idle", "video-params", "demuxer-cache-state"):
            self._mpv.observe_property(name, self._on_property)
        self._mpv.register_event_callback(self._on_mpv_event)

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

    def push(self, data: bytes) -> None:
        """Append MPEG-TS bytes to the current stream (never blocks)."""
        q = self._queue
        if q is None:
            raise PlaybackError("push() before start()")
        q.push(data)

    def end_of_stream(self) -> None:
        """No more bytes: libmpv plays out what it has and reports ``EndOfFile(reason="eof")``."""
        if self._queue is not None:
            self._queue.end()

    def pause(self, paused: bool) -> None:
        """Pause or resume presentation (our download scheduler keeps running either way)."""
        self._user_paused = paused
        if self._start_phase is None:
            self._apply({"pause": paused})

    @property
    def queued_bytes(self) -> int:
        """Bytes pushed that libmpv has not read yet."""
        return self._queue.queued_bytes if self._queue is not None else 0

    # -- subtitles -------------------------------------------------------------------------------

    def add_subtitles(self, webvtt: str, *, title: str = "", lang: str = "") -> None:
        """Add a WebVTT text track (W3C WebVTT); call before start() — it is re-attached after every restart().

        Known limit: added mid-file while the fast-open options force "mpegts", libmpv refuses it.
        """
        if self._subs_dir is None:
            self._subs_dir = tempfile.TemporaryDirectory(prefix="reelbox-subs-")
        path = Path(self._subs_dir.name) / f"sub{len(self._subtitles)}.vtt"
        path.write_text(webvtt, encoding="utf-8")
        self._subtitles.append((path, title, lang))
        if self._file_loaded:
            self._sub_add(path, title, lang)

    def _sub_add(self, path: Path, title: str, lang: str) -> None:
        try:
            self._mpv.command_async("sub-add", str(path), "select", title, lang)
        except (mpv.ShutdownError, SystemError) as exc:
            raise PlaybackError(f"libmpv refused the subtitle track: {exc}") from exc

    # -- state -------------------------------------------------------------------------------------

    def property(self, name: str) -> Any:
        """Read any libmpv property (None when unavailable), e.g. ``"track-list"``."""
        try:
            return getattr(self._mpv, name.replace("-", "_"))
        except (mpv.ShutdownError, SystemError, AttributeError, RuntimeError):
            return None

    def set_property(self, name: str, value: Any) -> None:
        """Set a libmpv property (volume, mute, fullscreen ...); a no-op once libmpv has shut down."""
        try:
            setattr(self._mpv, name.replace("-", "_"), value)
        except (mpv.ShutdownError, SystemError, RuntimeError):
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
        """Stop libmpv and free everything (idempotent)."""
        if self._queue is not None:
            self._queue.close()
        try:
            self._mpv.terminate()
        except (mpv.ShutdownError, SystemError):
            pass
        else:
            self._protocol.release()
        if self._subs_dir is not None:
            self._subs_dir.cleanup()
            self._subs_dir = None

    def __enter__(self) -> MpvOutput:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------

    def _load(self, start_s: float) -> int:
        with self._lock:
            old_queue, old_name = self._queue, self._name
            name = str(next(self._names))
            new_queue = StreamQueue()
            url = self._protocol.add(name, new_queue)
            self._queue, self._name = new_queue, name
            self._file_loaded = False
            self._pending_start = start_s if start_s > 0 else None
            self._start_phase = "keyframe" if start_s > 0 else None
            self._loads += 1
            generation = self._loads
        if old_queue is not None:
            old_queue.close()
        if old_name is not None:
            self._protocol.remove(old_name)
        try:
            if self._start_phase is not None:
                wide = self._readahead_s + 30.0  # enough to cache from the keyframe to the target
                self._apply({"cache-secs": wide, "demuxer-readahead-secs": wide, "pause": True})
            else:
                self._restore_after_start()
            # libmpv keeps a file's demuxer options for the sub-add'ed files too: with text
            # tracks, open without the forced format (slower start, but the .vtt opens).
            self._apply({option: value for option, value in (_LAVF_DEFAULTS if self._subtitles else self._fast_open).items()
                         if option in self._fast_open})
            self._mpv.loadfile(url)
        except (mpv.ShutdownError, SystemError) as exc:
            raise PlaybackError(f"libmpv refused to open the stream: {exc}") from exc
        return generation

    def _emit(self, event: FeedEvent) -> None:
        self.events.put(event)
        if self._on_event is not None:
            self._on_event(event)

    def _on_log(self, level: str, component: str, text: str) -> None:
        decoder = component.startswith(_DECODER_COMPONENTS)
        self.log_problems += 1
        if decoder:
            self.decoder_errors += 1
        self._emit(LogProblem(at=self._clock(), level=level, component=component, text=text.strip(), decoder=decoder))

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
        elif name == "demuxer-cache-state" and value and self._start_phase == "cache" and self._is_current():
            self._seek_to_start_if_cached(value)
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
            self._apply({option: value for option, value in _LAVF_DEFAULTS.items() if option in self._fast_open},
                        wait=False)
            for path, title, lang in self._subtitles:
                self._sub_add(path, title, lang)
        elif eid == mpv.MpvEventID.PLAYBACK_RESTART:
            at = self._clock()
            if not self._is_current():
                return  # the previous file's restart, still queued when restart() replaced it
            position = self.property("time-pos")
            if self._start_phase == "keyframe":
                self._start_phase = "cache"
                self._seek_to_start_if_cached(self.property("demuxer-cache-state"))
                return
            if self._start_phase == "seeking":
                self._restore_after_start(wait=False)
            elif self._start_phase is not None:
                return
            self._emit(FirstFrame(at=at, position_s=position, generation=self._generation))
        elif eid == mpv.MpvEventID.END_FILE:
            data = event.data
            reason = _END_REASONS.get(data.reason, "unknown")
            error = _error_text(data.error) if reason == "error" else None
            self._emit(EndOfFile(at=self._clock(), reason=reason, error=error, generation=self._generation))


    def _is_current(self) -> bool:
        """True once the newest loadfile's file has started: events from now on are about it."""
        return self._generation == self._loads

    def _seek_to_start_if_cached(self, cache_state: Mapping[str, Any] | None) -> None:
        target = self._pending_start
        if target is None or not cache_state:
            return
        if _seekable(cache_state, target) or cache_state.get("eof-cached"):
            self._start_phase = "seeking"
            self._mpv.command_async("seek", target, "absolute+exact")  # async: we are on the event thread

    def _restore_after_start(self, *, wait: bool = True) -> None:
        self._start_phase = None
        self._pending_start = None
        self._apply({"cache-secs": self._readahead_s, "demuxer-readahead-secs": self._readahead_s,
                     "pause": self._user_paused}, wait=wait)

    def _apply(self, values: Mapping[str, Any], *, wait: bool = True) -> None:
        """Set the libmpv properties whose value differs from what was last set.

        Every set of these properties goes through here, so ``_applied`` is what libmpv has. Each
        synchronous set is a round trip to mpv's core, which is busy opening the file; on the event
        thread (``wait=False``) a blocking set held up the events behind it, the first frame's
        included (2–3 ms), so there the set is queued and not waited for.
        """
        for name, value in values.items():
            if self._applied.get(name, _UNSET) == value:
                continue
            try:
                if wait:
                    self._mpv[name] = value
                else:
                    self._mpv.command_async("set", name, _option_text(value))
            except (mpv.ShutdownError, SystemError, RuntimeError) as exc:
                raise PlaybackError(f"libmpv refused {name}={value!r}: {exc}") from exc
            self._applied[name] = value


def _option_text(value: Any) -> str:
    """A property value as mpv's ``set`` command takes it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _seekable(cache_state: Mapping[str, Any], target_s: float) -> bool:
    """Whether mpv can seek to ``target_s`` inside its cache (demux.c ``find_cache_seek_range``).

    A range that starts at the beginning of the file (``bof-cached``) also takes targets before
    its first timestamp, as mpv does; the new file always starts at the target's keyframe.
    """
    bof = bool(cache_state.get("bof-cached"))
    for cached in cache_state.get("seekable-ranges") or ():
        start, end = cached.get("start"), cached.get("end")
        if start is not None and end is not None and (bof or start <= target_s) and target_s <= end:
            return True
    return False


def _error_text(code: int) -> str:
    try:
        return mpv._mpv_error_string(code).decode()
    except (AttributeError, UnicodeDecodeError, OSError):
        return f"mpv error {code}"

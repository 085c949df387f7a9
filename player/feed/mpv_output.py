"""The libmpv end of the feed: one ``mpv.MPV`` that decodes and renders the MPEG-TS we push.

Why this shape (DESIGN.md "We are the only downloader"; PLATFORM.md "Feeding segments to libmpv"):
- libmpv reads a non-seekable ``reelbox://<n>`` stream (:mod:`.stream_protocol`) fed by
  :meth:`MpvOutput.push`; it reads ahead only what we pushed (a session sets ``readahead_s`` to its
  buffer capacity: the buffer our scheduler counts is the buffer that exists, now in libmpv's cache),
  and its options (:mod:`.mpv_options`) make the first frame come fast.
- A seek to a time libmpv has cached is an exact seek there (:meth:`seek_cached`). Any other seek is
  a new ``loadfile`` on a fresh stream (:meth:`restart`), because the stream cannot seek. mpv's own
  ``start`` option is used only when the target lies well inside the stream's first GOP
  (:meth:`seek_at_open`): on a pipe its seek lost the keyframe once mpv's 64 KiB back buffer was
  passed, so such a stream keeps its head; at the keyframe itself libavformat's seek loses the
  parameter sets. How a file starts exactly at its target, and why events of a replaced file are
  ignored: :mod:`.mpv_files`.
- libmpv's log and end-of-file events are translated by :mod:`.mpv_events` (decoder trouble, a
  missing sound device → ``ao=null`` with an :class:`OutputNotice`, a video output that cannot open:
  ``vo`` is a chain, ``gpu`` → ``x11``), its observed properties by :mod:`.mpv_properties`, and
  text tracks live in :mod:`.subtitle_files`.
- Every python-mpv private name is used in :mod:`.mpv_adapter` only.

Events (:mod:`.events`) go to the ``on_event`` callback — called on python-mpv's event thread, so
keep it short — and to the :attr:`MpvOutput.events` queue.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import mpv

from . import mpv_adapter
from .errors import PlaybackError
from .events import EventOutbox, FeedEvent
from .mpv_events import OutputLog
from .mpv_files import MpvFiles
from .mpv_options import build_settings
from .mpv_properties import OBSERVED, ObservedProperties
from .stream_protocol import QueueProtocol
from .subtitle_files import SubtitleFile, SubtitleFiles

PROTOCOL = "reelbox"
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
        self._outbox = EventOutbox(on_event, clock)
        self.events = self._outbox.queue  # every event, for :meth:`wait_for`
        emit = self._outbox.emit
        settings = build_settings(vo=vo, ao=ao, realtime=realtime, readahead_s=readahead_s,
                                  demuxer_format=demuxer_format, extra=options)
        # libmpv logs from its first moment on: the log's reader exists before it
        self._log = OutputLog(emit=emit, clock=clock, vo=settings.create["vo"], ao=settings.create["ao"])
        self._mpv = mpv_adapter.create(self._log.line, settings.create)
        self._subtitles = SubtitleFiles(self._mpv.command)
        self._protocol = QueueProtocol(self._mpv, PROTOCOL)
        self._files = MpvFiles(player=self._mpv, props=mpv_adapter.PropertyWriter(self._mpv, settings.applied),
                               protocol=self._protocol, subtitles=self._subtitles, fast_open=settings.fast_open,
                               readahead_s=readahead_s, emit=emit, clock=clock)
        self._observed = ObservedProperties(emit=emit, clock=clock, on_cache=self._files.cache_changed,
                                              on_audio_output=self._log.audio_output)
        for name in OBSERVED:
            self._mpv.observe_property(name, self._observed.changed)
        self._mpv.register_event_callback(self._on_mpv_event)

    @property
    def position_s(self) -> float | None:
        """The last ``time-pos`` libmpv reported."""
        return self._observed.position_s

    @property
    def video_size(self) -> tuple[int, int] | None:
        return self._observed.video_size

    @property
    def stalled(self) -> bool:
        return self._observed.stalled

    @property
    def audio_fell_back(self) -> bool:
        """No sound device: playing with ``ao=null`` (an :class:`OutputNotice` said so)."""
        return self._log.audio_fell_back

    @property
    def decoder_errors(self) -> int:
        """Warn/error lines of the decoders so far (a clean rendition switch shows zero)."""
        return self._log.watch.decoder_errors

    # -- feeding -------------------------------------------------------------------------------

    def start(self, start_s: float = 0.0) -> int:
        """Open a fresh stream that shows media time ``start_s`` first; returns the stream's generation.

        Push the segment containing ``start_s`` (its keyframe) first.
        """
        return self._files.load(start_s)

    def restart(self, at_s: float) -> int:
        """Seek: drop the current stream, open a new one that starts showing at ``at_s``.

        The caller then pushes (remuxed, from a new remuxer) the segment containing ``at_s`` and on.
        """
        return self._files.load(at_s)

    def seek_at_open(self) -> None:
        """The newest file's stream starts at a keyframe well before its target: libmpv opens it with an
        exact seek there (one decode pass from that keyframe; no wait for the next one). Call before its
        first bytes; without it the keyframe is shown first and the seek waits for the cache (:mod:`.mpv_files`).
        """
        self._files.seek_at_open()

    def seek_cached(self, at_s: float) -> int | None:
        """Seek exactly inside libmpv's cache, no new stream; None when ``at_s`` is not cached there (then :meth:`restart`)."""
        return self._files.seek_cached(at_s)

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
        self._files.pause(paused)

    @property
    def queued_bytes(self) -> int:
        """Bytes pushed that libmpv has not read yet."""
        q = self._protocol.current
        return q.queued_bytes if q is not None else 0

    # -- subtitles -------------------------------------------------------------------------------

    def add_subtitles(self, webvtt: str, *, title: str = "", lang: str = "") -> SubtitleFile:
        """Add a WebVTT text track (W3C WebVTT); call before start() — it is re-attached after every restart().

        Known limit: added mid-file while the fast-open options force "mpegts", libmpv refuses it.
        """
        added = self._subtitles.add(webvtt, title=title, lang=lang)
        if self._files.file_loaded:
            self._subtitles.attach(added)
        return added

    def update_subtitles(self, sub: SubtitleFile, webvtt: str) -> None:
        """A text track added before with the cues it has now (a live track grows); shown from its next cue on."""
        def listed() -> tuple[list[int], bool]:
            tracks = (self._files.read("track-list") or []) if self._files.file_loaded else []
            ours = [t for t in tracks if t.get("type") == "sub" and t.get("external-filename") == str(sub.path)]
            return [t["id"] for t in ours], any(t.get("selected") for t in ours)

        self._subtitles.update(sub, webvtt, listed)

    # -- state -------------------------------------------------------------------------------------

    def property(self, name: str) -> Any:
        """Read any libmpv property (None when unavailable or closed), e.g. ``"track-list"``."""
        return self._files.read(name)

    def set_property(self, name: str, value: Any) -> None:
        """Set a libmpv property (volume, mute, fullscreen ...); a no-op once libmpv has shut down."""
        mpv_adapter.write_property(self._mpv, name, value)

    def wait_for(self, predicate: Callable[[FeedEvent], bool], timeout_s: float) -> FeedEvent | None:
        """Consume :attr:`events` until one matches (returned) or ``timeout_s`` passes (None). For tests and the CLI."""
        return self._outbox.wait_for(predicate, timeout_s)

    def close(self) -> None:
        """Stop libmpv and free everything (idempotent); reads still under way (the cache poll) then get None."""
        self._files.close()
        self._subtitles.close()
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

    def _on_mpv_event(self, event: mpv.MpvEvent) -> None:
        eid = event.event_id.value
        if eid == mpv.MpvEventID.END_FILE:
            self._outbox.emit(self._log.end_of_file(event.data.reason, event.data.error, self._files.generation))
        elif eid == mpv.MpvEventID.START_FILE:
            self._files.file_started(event.data.playlist_entry_id)
        else:
            self._files.on_event(eid)

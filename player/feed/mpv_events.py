"""libmpv's log lines and end-of-file events → the feed's events (:mod:`.events`).

Why here and not in :class:`~player.feed.mpv_output.MpvOutput`: the translation is libmpv's
vocabulary (log components, ``mpv_end_file_reason`` codes, error codes) turned into ours, and it
carries two decisions of its own:
- no sound device (PLATFORM.md "No sound device"): play on with ``ao=null`` and say so with an
  :class:`OutputNotice`; the file's end then still blames the device — that end is an ``eof``;
- a video output that cannot open ends the file with libmpv's generic error: name it, with the
  log lines that led to it (:class:`~player.feed.mpv_log.LogWatch`).
Called on libmpv's log and event threads: nothing here waits on libmpv's core.
"""
from __future__ import annotations

from collections.abc import Callable

from . import mpv_adapter
from .events import EndOfFile, FeedEvent, LogProblem, OutputNotice
from .mpv_log import AO_INIT_FAILED, LogWatch

# mpv_end_file_reason (libmpv/client.h)
END_REASONS = {0: "eof", 1: "restarted", 2: "stop", 3: "quit", 4: "error", 5: "redirect"}


class OutputLog:
    """Turns log lines into :class:`LogProblem` events (falling back to silence once) and ends of files into :class:`EndOfFile`."""

    def __init__(self, *, emit: Callable[[FeedEvent], None], clock: Callable[[], float],
                 command: Callable[..., object], vo: str) -> None:
        """``command`` is libmpv's asynchronous command (never waited for); ``vo`` the output chain, to name it."""
        self._emit, self._clock, self._command, self._vo = emit, clock, command, vo
        self.watch = LogWatch()
        self.audio_fell_back = False  # no sound device: playing with ao=null (an OutputNotice said so)

    def line(self, level: str, component: str, text: str) -> None:
        text = text.strip()
        no_sound = self.watch.line(level, component, text)
        self._emit(LogProblem(at=self._clock(), level=level, component=component, text=text,
                              decoder=LogWatch.is_decoder(component)))
        if no_sound and not self.audio_fell_back:
            self._fall_back_to_silence(text)

    def _fall_back_to_silence(self, reason: str) -> None:
        """No sound device: play on with ``ao=null`` (re-selecting the audio track libmpv dropped), and say so."""
        self.audio_fell_back = True
        for command in (("set", "ao", "null"), ("set", "aid", "no"), ("set", "aid", "auto")):
            self._command(*command)  # on the log thread: never wait on libmpv's core here
        self._emit(OutputNotice(at=self._clock(), code="no_audio_device",
                                message=f"no sound device, playing without sound (libmpv: {reason})"))

    def end_of_file(self, reason_code: int, error_code: int, generation: int) -> EndOfFile:
        """The ``end-file`` event of file ``generation``, with libmpv's reasons when it failed."""
        reason = END_REASONS.get(reason_code, "unknown")
        code = error_code if reason == "error" else None
        if code == AO_INIT_FAILED and self.audio_fell_back:
            reason, code = "eof", None  # libmpv still blames the sound device it had not: played to the end
        vo_failed = code is not None and self.watch.video_output_failed
        error = None if code is None else self.watch.explain(
            f"no video output could open (vo={self._vo})" if vo_failed else mpv_adapter.error_text(code))
        return EndOfFile(at=self._clock(), reason=reason, error=error, generation=generation,
                         video_output_failed=vo_failed)

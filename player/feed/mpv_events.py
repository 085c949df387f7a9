"""libmpv's log lines and end-of-file events → the feed's events (:mod:`.events`).

Why here and not in :class:`~player.feed.mpv_output.MpvOutput`: the translation is libmpv's
vocabulary (log components, ``mpv_end_file_reason`` codes, error codes) turned into ours, and it
carries two decisions of its own:
- no sound device (PLATFORM.md "No sound device"): libmpv plays on with ``ao=null`` by itself
  (``audio-fallback-to-null``, :mod:`.mpv_options`); ``current-ao`` reading "null" where a device
  was asked for tells us, and an :class:`OutputNotice` says so with the drivers' reasons. (Falling
  back by hand — ``set ao null`` and re-selecting the audio track libmpv had dropped — hung about one
  windowed play in ten: the re-selected track needs its packets again, which a pipe that has reached
  its end cannot give, and libmpv waited for that audio forever after the first frame; issue 19.)
- a video output that cannot open ends the file with libmpv's generic error: name it, with the
  log lines that led to it (:class:`~player.feed.mpv_log.LogWatch`).
Called on libmpv's log and event threads: nothing here waits on libmpv's core.
"""
from __future__ import annotations

from collections.abc import Callable

from . import mpv_adapter
from .events import EndOfFile, FeedEvent, LogProblem, OutputNotice
from .mpv_log import LogWatch

# mpv_end_file_reason (libmpv/client.h)
END_REASONS = {0: "eof", 1: "restarted", 2: "stop", 3: "quit", 4: "error", 5: "redirect"}


class OutputLog:
    """Turns log lines into :class:`LogProblem` events, a fallback to ``ao=null`` into a notice, ends of files into :class:`EndOfFile`."""

    def __init__(self, *, emit: Callable[[FeedEvent], None], clock: Callable[[], float], vo: str, ao: str) -> None:
        """``vo``: the output chain, to name it; ``ao``: the audio output asked for ("" lets libmpv probe)."""
        self._emit, self._clock, self._vo = emit, clock, vo
        self._silence_asked = "null" in ao.split(",")
        self.watch = LogWatch()
        self.audio_fell_back = False  # no sound device: playing with ao=null (an OutputNotice said so)

    def line(self, level: str, component: str, text: str) -> None:
        text = text.strip()
        self.watch.line(level, component, text)
        self._emit(LogProblem(at=self._clock(), level=level, component=component, text=text,
                              decoder=LogWatch.is_decoder(component, text)))

    def audio_output(self, current: str | None) -> None:
        """libmpv's ``current-ao`` changed: "null" where a sound device was asked for is the fallback."""
        if current != "null" or self._silence_asked or self.audio_fell_back:
            return
        self.audio_fell_back = True
        reasons = "; ".join(self.watch.audio_reasons()) or "no audio output opened"
        self._emit(OutputNotice(at=self._clock(), code="no_audio_device",
                                message=f"no sound device, playing without sound (libmpv: {reasons})"))

    def end_of_file(self, reason_code: int, error_code: int, generation: int) -> EndOfFile:
        """The ``end-file`` event of file ``generation``, with libmpv's reasons when it failed."""
        reason = END_REASONS.get(reason_code, "unknown")
        code = error_code if reason == "error" else None
        vo_failed = code is not None and self.watch.video_output_failed
        error = None if code is None else self.watch.explain(
            f"no video output could open (vo={self._vo})" if vo_failed else mpv_adapter.error_text(code))
        return EndOfFile(at=self._clock(), reason=reason, error=error, generation=generation,
                         video_output_failed=vo_failed)

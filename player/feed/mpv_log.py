"""Reading libmpv's log (warn level and up): the only place it tells of decoder trouble, of why no
sound device opened, and of why a video output or a file failed. Pure: lines in, facts out.

- Decoder trouble: warn/error lines of the decoders; a clean rendition switch shows zero.
- No sound device (PLATFORM.md "No sound device"): each audio driver tried says why it failed
  (``ao/alsa: Playback open error ...``); libmpv then plays on with ``ao=null``
  (``audio-fallback-to-null``, see :mod:`.mpv_events`), and these lines say why.
- No video output: every ``vo`` of the chain failed (``Error opening/initializing the VO window``);
  libmpv then ends the file with its generic "something happened".
- Reasons: the last few error/fatal lines, attached to a failure so the viewer reads libmpv's words.
"""
from __future__ import annotations

from collections import deque

DECODER_COMPONENTS = ("ffmpeg/video", "ffmpeg/audio", "vd", "ad")
NO_VIDEO_OUTPUT = "Error opening/initializing the"  # "... VO window." / "... selected video_out (--vo) device."


class LogWatch:
    """Counts and remembers what the log said."""

    def __init__(self, keep: int = 4) -> None:
        self.decoder_errors = 0
        self.reasons: deque[str] = deque(maxlen=keep)
        self.video_output_failed = False

    @staticmethod
    def is_decoder(component: str) -> bool:
        return component.startswith(DECODER_COMPONENTS)

    def line(self, level: str, component: str, text: str) -> None:
        if self.is_decoder(component):
            self.decoder_errors += 1
        if level in ("error", "fatal"):
            self.reasons.append(f"{component}: {text}")
        if component == "cplayer" and text.startswith(NO_VIDEO_OUTPUT):
            self.video_output_failed = True

    def audio_reasons(self) -> list[str]:
        """The audio drivers' own words for why they did not open (the latest few)."""
        return [reason for reason in self.reasons if reason.startswith("ao")]

    def explain(self, error: str) -> str:
        """libmpv's error text followed by the log lines that led to it."""
        return f"{error} ({'; '.join(self.reasons)})" if self.reasons else error

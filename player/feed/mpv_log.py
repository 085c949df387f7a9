"""Reading libmpv's log (warn level and up): the only place it tells of decoder trouble, of a missing
sound device, and of why a video output or a file failed. Pure: lines in, facts out.

- Decoder trouble: warn/error lines of the decoders; a clean rendition switch shows zero.
- No sound device (PLATFORM.md "No sound device"): libmpv says ``Could not open/initialize audio
  device -> no sound.``, plays on without audio, and ends the file with "audio output initialization
  failed" — a warning for us (fall back to ``ao=null``), not a failed play.
- No video output: every ``vo`` of the chain failed (``Error opening/initializing the VO window``);
  libmpv then ends the file with its generic "something happened".
- Reasons: the last few error/fatal lines, attached to a failure so the viewer reads libmpv's words.
"""
from __future__ import annotations

from collections import deque

DECODER_COMPONENTS = ("ffmpeg/video", "ffmpeg/audio", "vd", "ad")
NO_AUDIO_DEVICE = "Could not open/initialize audio device"
NO_VIDEO_OUTPUT = "Error opening/initializing the"  # "... VO window." / "... selected video_out (--vo) device."
AO_INIT_FAILED = -14  # MPV_ERROR_AO_INIT_FAILED (libmpv/client.h)


class LogWatch:
    """Counts and remembers what the log said; ``line`` returns True when it says there is no sound device."""

    def __init__(self, keep: int = 4) -> None:
        self.decoder_errors = 0
        self.problems = 0
        self.reasons: deque[str] = deque(maxlen=keep)
        self.video_output_failed = False

    @staticmethod
    def is_decoder(component: str) -> bool:
        return component.startswith(DECODER_COMPONENTS)

    def line(self, level: str, component: str, text: str) -> bool:
        self.problems += 1
        if self.is_decoder(component):
            self.decoder_errors += 1
        if level in ("error", "fatal"):
            self.reasons.append(f"{component}: {text}")
        if component == "cplayer" and text.startswith(NO_VIDEO_OUTPUT):
            self.video_output_failed = True
        return component == "cplayer" and text.startswith(NO_AUDIO_DEVICE)

    def explain(self, error: str) -> str:
        """libmpv's error text followed by the log lines that led to it."""
        return f"{error} ({'; '.join(self.reasons)})" if self.reasons else error

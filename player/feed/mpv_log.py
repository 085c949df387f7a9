"""Reading libmpv's log (warn level and up): the only place it tells of decoder trouble, of why no
sound device opened, and of why a video output or a file failed. Pure: lines in, facts out.

- Decoder trouble: warn/error lines of the decoders (not their word on timestamps that jump); a clean rendition
  switch shows zero.
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
#: what a decoder says of timestamps that jump (media the play skipped, a discontinuity): it resyncs and decodes on, so
#: not a frame it could not decode — the jump's cause is named apart (a skipped segment, a hole, crushed media)
TIMESTAMP_JUMPS = ("Invalid audio PTS", "Invalid video timestamp")
NO_VIDEO_OUTPUT = "Error opening/initializing the"  # "... VO window." / "... selected video_out (--vo) device."


class LogWatch:
    """Counts and remembers what the log said."""

    def __init__(self, keep: int = 4) -> None:
        self.decoder_errors = 0
        self.reasons: deque[str] = deque(maxlen=keep)
        self.video_output_failed = False

    @staticmethod
    def is_decoder(component: str, text: str) -> bool:
        """A decoder's trouble with the media (not its word on a timestamp jump)."""
        return component.startswith(DECODER_COMPONENTS) and not text.startswith(TIMESTAMP_JUMPS)

    def line(self, level: str, component: str, text: str) -> None:
        if self.is_decoder(component, text):
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

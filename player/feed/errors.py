"""Errors of the feed into libmpv, below the engine's tree in ``player/errors.py``::

    PlayerError
    ├── FeedError                    a segment could not be prepared for libmpv
    │   ├── SegmentFormatError       the init + media segment is not demuxable ISO-BMFF (or has no such track)
    │   ├── KeyRequired              the track is CENC-protected (ISO/IEC 23001-7) and no key was given
    │   ├── DecryptionFailed         a key was given but the decrypted samples do not decode: wrong key
    │   ├── EncryptionSchemeUnsupported  a protection scheme we cannot decrypt (cens, cbc1; SAMPLE-AES in MPEG-TS)
    │   └── TrackChangeUnsupported   a rendition switch changes the codec; needs ``restart()`` instead
    └── PlaybackError                libmpv failed
        └── PlayerStartError         libmpv could not be created or refused the stream
            └── VideoOutputError     no video output of the chain could open (libmpv's reasons attached)

Every libav/libmpv exception is caught at this package's edge and re-raised as one of these,
with the cause chained, so callers never see ``av.error.*`` or ``mpv.ShutdownError``.
Messages never contain key material.
"""
from __future__ import annotations

from player.errors import FeedError, PlaybackError

__all__ = [
    "FeedError",
    "PlaybackError",
    "SegmentFormatError",
    "KeyRequired",
    "DecryptionFailed",
    "TrackChangeUnsupported",
    "EncryptionSchemeUnsupported",
    "PlayerStartError",
    "VideoOutputError",
    "playback_failure",
]



class SegmentFormatError(FeedError):
    """The init + media segment could not be demuxed, or lacks the expected track."""


class KeyRequired(FeedError):
    """The track carries a protection scheme (``encv``/``enca`` + ``tenc``) and no content key was given."""


class DecryptionFailed(FeedError):
    """Decryption with the given key produced samples that do not decode: the key is wrong for this KID."""


class EncryptionSchemeUnsupported(FeedError):
    """The content is encrypted with a scheme we do not decrypt: ISO/IEC 23001-7 ``cens``/``cbc1`` (no test
    content here), or Apple's SAMPLE-AES for MPEG-TS (encrypted NAL units and ADTS frames inside TS
    packets; ``cbcs`` in fMP4 — what SAMPLE-AES means for CMAF — is decrypted)."""


class TrackChangeUnsupported(FeedError):
    """The new rendition uses another codec than the stream already being muxed (restart the output)."""


class PlayerStartError(PlaybackError):
    """libmpv could not be created, or could not open our stream."""


class VideoOutputError(PlayerStartError):
    """Every video output of the chain (e.g. ``gpu,x11``) failed to open; the message carries libmpv's reasons."""


def playback_failure(text: str, *, video_output: bool) -> PlaybackError:
    """The named error for a file libmpv ended with an error (``text`` holds libmpv's own words)."""
    return VideoOutputError(text) if video_output else PlaybackError(text)

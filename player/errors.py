"""Errors raised by the playback engine. Every failure a user can meet is one of these::

    PlayerError
    ├── ManifestError          malformed or unsupported manifest (carries the position when known)
    ├── UnsafeUriError         a URI with a refused scheme (file:, data:, ...) or escaping its origin
    ├── FetchError             a request that could not be completed
    │   ├── TruncatedSegment   fewer bytes arrived than announced
    │   ├── UntrustedCertificate  an https server whose certificate failed verification
    │   ├── RedirectError      redirects that lead nowhere: too many (a loop), or a 3xx without a Location
    │   └── AllCdnsFailed      every CDN in the pool failed for one request
    ├── FeedError              remuxing/decrypting a segment for libmpv failed
    ├── PlaybackError          libmpv reported a failure, or the session could not start
    │   ├── LiveStreamStopped  a live playlist or MPD stopped advancing
    │   ├── PlaybackStuck      nothing moved in an unpaused play for a minute (a wait no rule bounded)
    │   ├── StartPastEnd       --start at or past the end of a title
    │   ├── UntilNotAfterStart --until at or before --start on a title (live, --until counts from the start)
    │   ├── StartOutsideWindow --start outside a live stream's DVR window
    │   │   └── NegativeStartNotLive  a negative --start (counted back from a live edge) on a title that is not live
    │   └── IncompletePlay     the play ended without all it should have played
    ├── TrackNotFound          --audio/--subtitles asks for a track the title lacks
    │   └── RenditionNotFound  --rendition names a rung past the top of the ladder played
    └── BackendError           the backend could not be used (its own tree: player/backend/errors.py)

Modules may add subclasses beside their code; the CLI and UI map each class to one sentence
(:mod:`player.sentences`).
"""
from __future__ import annotations


class PlayerError(Exception):
    """Base of every engine error."""


class ManifestError(PlayerError):
    """The manifest could not be turned into a Presentation."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None) -> None:
        where = ""
        if source:
            where = f" ({source}{f', line {line}' if line else ''})"
        elif line:
            where = f" (line {line})"
        super().__init__(f"{message}{where}")
        self.source = source
        self.line = line


class UnsafeUriError(PlayerError):
    """A URI we refuse to fetch."""


class FetchError(PlayerError):
    """A network request failed."""


class TruncatedSegment(FetchError):
    """The body ended before Content-Length (or the byte range) was satisfied."""


class UntrustedCertificate(FetchError):
    """An https server's certificate failed verification (self-signed, expired, another host's): no retry or
    wait can mend it, so it is named, not reported as a network outage."""


class RedirectError(FetchError):
    """Too many redirects (a loop), or a 3xx without a usable Location: the server answers, the same way on
    every retry, so it is neither retried nor reported as a network outage."""


class AllCdnsFailed(FetchError):
    """No CDN in the pool could deliver the request."""


class FeedError(PlayerError):
    """A segment could not be prepared for libmpv."""


class PlaybackError(PlayerError):
    """libmpv failed, or the session could not start."""


class LiveStreamStopped(PlaybackError):
    """A live playlist or MPD stopped advancing (no ENDLIST, no new segment for several target durations):
    the encoder or packager upstream has stopped, and waiting longer would only hide it."""


class LivePeriodsUnsupported(PlaybackError):
    """A dynamic MPD with more than one Period (an ad break a stitcher added as Periods): Reelbox follows one Period
    of a live MPD, and playing on would show what the first Period lists where the new ones belong."""


LIVE_STOPPED_AFTER_SEGMENTS = 3
"""How many segments' worth of a live stream may fail to arrive in a row before it is called stopped
(:class:`LiveStreamStopped`): a playlist or MPD that has not advanced for this many target durations
(``player.live.refresh``), or this many segments in a row that every CDN says are not there
(``player.scheduling.segment_feed.MissingRun``). Kept here rather than in ``player.live`` so that the
scheduler can read it without loading the live package into every VOD play."""


class PlaybackStuck(PlaybackError):
    """Nothing moved in a play the viewer had not paused — no playhead, no media byte, no segment fed — for
    a minute (:mod:`player.playback.progress_watch`): a wait that should have ended or failed did neither."""


class StartPastEnd(PlaybackError):
    """The start position asked for lies at or past the end of the title: nothing would be shown."""


class UntilNotAfterStart(PlaybackError):
    """``--until`` at or before the start of a title that is not live: nothing would be shown (libmpv, handed an empty
    stream, failed with "unrecognized file format"). Found once the title is known: on a live one ``--until`` counts
    from the start, so ``--start 40 --until 10`` plays ten seconds from 40."""


class StartOutsideWindow(PlaybackError):
    """The start asked for is not in the part of a live stream that can be played now: older than the DVR
    window's oldest media (less its margin), or closer to the live edge than the stream's hold-back (RFC 8216bis
    §6.3.3). Named before anything plays rather than moved to the nearest playable point
    (:func:`player.live.window.asked_start`)."""


class NegativeStartNotLive(StartOutsideWindow):
    """A negative start counts back from the live edge; a title that is not live has none (bad usage: exit 2)."""


class IncompletePlay(PlaybackError):
    """The session ended without playing all it should: stopped short, lost a track, or skipped segments
    (:mod:`player.completeness` names what was lost)."""


class TrackNotFound(PlayerError):
    """``--audio``/``--subtitles`` names a language or name the title has no track of (a usage error: exit 2;
    :mod:`player.track_choice` lists what the title has)."""


class RenditionNotFound(TrackNotFound):
    """``--rendition`` names a rung the ladder played does not have (a usage error, as a missing track is: exit 2;
    the message lists the ladder).  Before, the top rung played instead and the play was reported complete."""

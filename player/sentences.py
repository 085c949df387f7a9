"""The one table from engine and backend errors to sentences a person can act on (STYLE.md #8).

The app (``ui/app/errors.py``), ``reelbox`` (``ui/cli.py``) and ``reelbox download(s)``
(``downloads/cli.py``) all read it, so a failure reads the same in a window and in a terminal — which
is why no sentence names a control ("press Play") that only one of them has.
"""
from __future__ import annotations

from player.backend.errors import BackendError, BadAddress, BackendUnreachable, BadResponse, SignInRequired
from player.errors import (AllCdnsFailed, FetchError, IncompletePlay, LivePeriodsUnsupported, LiveStreamStopped,
                           ManifestError, NegativeStartNotLive, PlaybackError, PlaybackStuck, PlayerError, RedirectError, RenditionNotFound,
                           StartOutsideWindow, StartPastEnd, TrackNotFound, UnsafeUriError, UntilNotAfterStart,
                           UntrustedCertificate)
from player.feed.errors import EncryptionSchemeUnsupported, TrackChangeUnsupported
from player.outside_keys import BadKeyOption

_UNTRUSTED = ("The video server's security certificate is not trusted (self-signed, expired or for another "
              "address), so Reelbox did not connect. Check the address, or ask the site to fix its certificate.")
_REDIRECTS = ("The video server sends the player round in a loop of redirects (or redirects it without saying where to), "
              "so trying again will not help. Check the address, or ask the site to fix its redirects.")
#: errors that read as their own sentence when every CDN of the pool failed with one of them
_SAME_ON_EVERY_CDN = ((UntrustedCertificate, _UNTRUSTED), (RedirectError, _REDIRECTS))


_CODES = {
    "not_entitled": "Your plan does not include this title. Choose another title or upgrade your plan.",
    "too_many_streams": "Too many screens are playing on this account. Stop playback on another device and try again.",
    "plan_resolution": "Your plan does not allow this quality. Choose a lower quality in the player.",
}
_STATUS = {
    404: "This title is no longer available. Go back and choose another one.",
    429: "Too many attempts. Wait a minute and try again.",
}
_CLASSES: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (BadAddress, "The backend address is not valid. Give it as http://host:port or http://host:port/api/v1."),
    (BackendUnreachable, "The Reelbox service cannot be reached. Check the backend address and your network, then try again."),
    (BadResponse, "The Reelbox service sent an answer this version cannot read. Check that the backend address "
                  "points at a Reelbox backend, then try again."),
    (SignInRequired, "Your sign-in was not accepted. Check your e-mail and password and sign in again."),
    (BackendError, "The Reelbox service refused the request. Try again in a moment."),
    (UntrustedCertificate, _UNTRUSTED),
    (RedirectError, _REDIRECTS),
    (AllCdnsFailed, "The video servers are not answering. Check your network and try again."),
    (FetchError, "Part of the video could not be downloaded. Check your network and try again."),
    (BadKeyOption, "A content key is given as KID:KEY, 32 hex digits each (the KID may be a UUID). Check the --key option."),
    (RenditionNotFound, "This title has no quality of that number. Choose one of those it has (0 is the lowest)."),
    (TrackNotFound, "This title has no track in that language or of that name. Choose one of those it has."),
    (UnsafeUriError, "Reelbox does not open this address: only http:// and https:// streams are played, never local "
                     "files or other schemes."),
    (ManifestError, "This title's stream could not be read. Try another title, and report this one if it keeps failing."),
    (LiveStreamStopped, "The live stream has stopped: no new video has arrived for a while."),
    (LivePeriodsUnsupported, "This live stream splits into Periods (ad breaks added as DASH Periods), which Reelbox "
                             "does not follow live yet. Play its HLS form if it has one, and report this stream."),
    (UntilNotAfterStart, "The stop position (--until) is at or before the start, so there is nothing to play. Choose "
                         "a later one."),
    (StartPastEnd, "The start position is past the end of the title. Choose an earlier one."),
    (NegativeStartNotLive, "A negative start counts back from a live stream's edge, and this title is not live. "
                           "Give a start of 0 or more."),
    (StartOutsideWindow, "The start position is outside the part of the live stream that can be played now. Choose "
                         "one inside its DVR window; a negative start counts back from the live edge."),
    (PlaybackStuck, "Playback stopped moving: nothing played and nothing arrived for a minute, so Reelbox ended it. "
                    "Try again, and report this title if it happens again."),
    (IncompletePlay, "The video did not play in full: part of it was missing or could not be played."),
    ((TrackChangeUnsupported, EncryptionSchemeUnsupported),
     "This stream changes codec mid-play or is protected in a way Reelbox cannot play, so trying again will not help. "
     "Choose another title, and report this one."),
    (PlaybackError, "The video could not be played. Try again, or choose another title."),
    (PlayerError, "Playback stopped because of an error. Try again."),
    (OSError, "A file or network operation failed. Check free disk space and your network, then try again."),
)


_ANSWERED = {
    404: "The video servers answered that this stream does not exist (HTTP 404). Check the address.",
    410: "The video servers answered that this stream is gone (HTTP 410). Check the address.",
    403: "The video servers refused access to this stream (HTTP 403). Check the address and any token in it.",
}
def sentence(exc: BaseException) -> str | None:
    """The sentence for an engine, backend or OS error; None for anything else (the caller decides)."""
    if isinstance(exc, AllCdnsFailed):  # servers that answered are not "not answering"
        attempts = [err for _, err in getattr(exc, "attempts", ())]
        for kind, text in _SAME_ON_EVERY_CDN:
            if attempts and all(isinstance(err, kind) for err in attempts):
                return text
        statuses = {getattr(err, "status", None) for err in attempts}
        if len(statuses) == 1 and (status := next(iter(statuses))) in _ANSWERED:
            return _ANSWERED[status]
    if isinstance(exc, BackendError) and not isinstance(exc, SignInRequired):
        if exc.code in _CODES:
            return _CODES[exc.code]
        if exc.status in _STATUS:
            return _STATUS[exc.status]
    for cls, text in _CLASSES:
        if isinstance(exc, cls):
            return text
    return None

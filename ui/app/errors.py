"""Errors of the app, and the one place each failure becomes a sentence a person can act on.

Issue 6: "Errors read as sentences with what to do next, never tracebacks."::

    AppError
    ├── SignInError        the backend refused the e-mail/password or the remembered sign-in
    ├── OfflineError       the backend could not be reached
    ├── PlaybackFailed     the engine could not start or continue a title
    └── DownloadFailed     a download could not be started, resumed, renewed or deleted

Engine errors (``player.errors``) and backend refusals (``BackendError``) are mapped by
:func:`sentence`; nothing from httpx or libmpv reaches a label.
"""
from __future__ import annotations

from player.backend_client import BackendError
from player.errors import AllCdnsFailed, FetchError, ManifestError, PlaybackError, PlayerError


class AppError(Exception):
    """Base of every app error; ``str()`` is already a sentence for people."""


class SignInError(AppError):
    """Signing in failed."""


class OfflineError(AppError):
    """The backend is unreachable."""


class PlaybackFailed(AppError):
    """Playback could not start or stopped with an error."""


class DownloadFailed(AppError):
    """A download operation failed."""


_CODES = {
    "not_entitled": "Your plan does not include this title. Choose another title or upgrade your plan.",
    "too_many_streams": "Too many screens are playing on this account. Stop playback on another device and try again.",
    "plan_resolution": "Your plan does not allow this quality. Choose a lower quality in the player.",
}


def is_unreachable(exc: BaseException) -> bool:
    """The backend could not be reached at all (no answer), as opposed to a refusal."""
    return isinstance(exc, OfflineError) or (isinstance(exc, BackendError) and "unreachable" in str(exc))


def _cause(exc: BaseException) -> str:
    """The engine's own words for what failed (issue 18: every error names its cause)."""
    text = str(exc).strip()
    return f" (cause: {text})" if text else f" (cause: {type(exc).__name__})"


def sentence(exc: BaseException) -> str:
    """One human sentence (with what to do next) for any failure."""
    if isinstance(exc, AppError):
        return str(exc)
    if isinstance(exc, BackendError):
        if exc.code in _CODES:
            return _CODES[exc.code]
        text = str(exc)
        if "unreachable" in text:
            return "The Reelbox service cannot be reached. Check the backend address in Settings or your network, then try again."
        if exc.status == 401:
            return "Your sign-in was not accepted. Check your e-mail and password and sign in again."
        if exc.status == 404:
            return "This title is no longer available. Go back and choose another one."
        if exc.status == 429:
            return "Too many attempts. Wait a minute and try again."
        return "The Reelbox service refused the request. Try again in a moment."
    if isinstance(exc, AllCdnsFailed):
        return "The video servers are not answering. Check your network and press Play again."
    if isinstance(exc, FetchError):
        return "Part of the video could not be downloaded. Check your network and press Play again."
    if isinstance(exc, ManifestError):
        return "This title's stream could not be read. Try another title, and report this one if it keeps failing." + _cause(exc)
    if isinstance(exc, PlaybackError):
        return "The video could not be played. Press Play to try again, or choose another title." + _cause(exc)
    if isinstance(exc, PlayerError):
        return "Playback stopped because of an error. Press Play to try again." + _cause(exc)
    if isinstance(exc, OSError):
        return "A file or network operation failed. Check free disk space and your network, then try again." + _cause(exc)
    return f"Reelbox stopped on an unexpected {type(exc).__name__}. Try again, and restart Reelbox if it keeps happening." + _cause(exc)

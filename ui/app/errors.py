"""Errors of the app, and the one place each failure becomes a sentence a person can act on.

Issue 6: "Errors read as sentences with what to do next, never tracebacks."::

    AppError
    ├── SignInError        the backend refused the e-mail/password or the remembered sign-in
    ├── OfflineError       the backend could not be reached
    ├── PlaybackFailed     the engine could not start or continue a title
    └── DownloadFailed     a download could not be started, resumed, renewed or deleted

Engine errors (``player.errors``) and backend failures (``player.backend.errors``) are mapped by the
table the CLI uses too (:mod:`player.sentences`); nothing from httpx or libmpv reaches a label.
"""
from __future__ import annotations

from player.backend.errors import BackendUnreachable
from player.errors import AllCdnsFailed, FetchError, ManifestError, PlayerError
from player.sentences import sentence as engine_sentence


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


def is_unreachable(exc: BaseException) -> bool:
    """The backend could not be reached at all (no answer), as opposed to a refusal."""
    return isinstance(exc, (OfflineError, BackendUnreachable))


def _cause(exc: BaseException) -> str:
    """The engine's own words for what failed (issue 18: every error names its cause)."""
    text = str(exc).strip()
    return f" (cause: {text})" if text else f" (cause: {type(exc).__name__})"


def sentence(exc: BaseException) -> str:
    """One human sentence (with what to do next) for any failure."""
    if isinstance(exc, AppError):
        return str(exc)
    text = engine_sentence(exc)
    if text is None:
        return f"Reelbox stopped on an unexpected {type(exc).__name__}. Try again, and restart Reelbox if it keeps happening." + _cause(exc)
    if isinstance(exc, (ManifestError, PlayerError, OSError)) and not isinstance(exc, (AllCdnsFailed, FetchError)):
        return text + _cause(exc)
    return text

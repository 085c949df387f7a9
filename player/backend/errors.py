"""Every way a call to the backend can fail, as one tree (the CLI and the app map each class to a sentence)::

    BackendError (player.errors.PlayerError)
    ├── BadAddress           the backend URL given is not http[s]://host[:port][/api/v1]
    ├── BackendUnreachable   no answer: connection refused, DNS, TLS, timeout
    ├── BadResponse          a success whose body is not what the contract promises (not JSON, a field missing)
    └── BackendRefused       an HTTP error status; ``status`` and the server's ``code`` when it gave one
        └── SignInRequired   401 (after one refresh), or no account to sign in with

Nothing from httpx, ``json`` or a ``KeyError`` in a body leaves :mod:`player.backend`.
"""
from __future__ import annotations

from player.errors import PlayerError


class BackendError(PlayerError):
    """The backend could not be used; ``status``/``code`` are the HTTP status and the server's reason code."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class BadAddress(BackendError):
    """The backend URL (``--backend``, ``$REELBOX_BACKEND``, Settings, config.toml) is not one."""


class BackendUnreachable(BackendError):
    """No HTTP answer at all."""


class BadResponse(BackendError):
    """A 2xx answer with a body that breaks the contract (not JSON, wrong type, a field missing)."""


class BackendRefused(BackendError):
    """An HTTP error status."""


class SignInRequired(BackendRefused):
    """Not signed in, or the sign-in was refused or expired (a refresh did not help)."""

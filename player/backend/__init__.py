"""The backend's client side: one client, one refresh flow, one TLS configuration, one error tree.

Public face: :class:`BackendClient`, :class:`PlaybackInfo`, the errors (tree in
:mod:`player.backend.errors`) and the address/account resolution (:func:`api_url`,
:func:`login_from_env`, :func:`server_root`).

Names load on first use (PEP 562): the command line's parser reads only the help texts of
:mod:`player.backend.address`, and must not pay for httpx to print ``--help`` (issue 19).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from drm_client.lazy_exports import lazy_exports

_ADDRESS, _CLIENT, _ERRORS = "player.backend.address", "player.backend.client", "player.backend.errors"
_EXPORTS = {
    "ACCOUNT_HELP": _ADDRESS, "BACKEND_HELP": _ADDRESS, "DEFAULT_API_URL": _ADDRESS, "DEMO_LOGIN": _ADDRESS,
    "api_url": _ADDRESS, "login_from_env": _ADDRESS, "server_root": _ADDRESS,
    "BackendClient": _CLIENT, "PlaybackInfo": _CLIENT,
    "BackendError": _ERRORS, "BadAddress": _ERRORS, "BackendRefused": _ERRORS, "BackendUnreachable": _ERRORS,
    "BadResponse": _ERRORS, "SignInRequired": _ERRORS,
}
__all__ = [
    "ACCOUNT_HELP", "BACKEND_HELP", "DEFAULT_API_URL", "DEMO_LOGIN", "BackendClient", "BackendError", "BackendRefused", "BackendUnreachable", "BadAddress",
    "BadResponse", "PlaybackInfo", "SignInRequired", "api_url", "login_from_env", "server_root",
]

if TYPE_CHECKING:
    from player.backend.address import ACCOUNT_HELP, BACKEND_HELP, DEFAULT_API_URL, DEMO_LOGIN, api_url, login_from_env, server_root
    from player.backend.client import BackendClient, PlaybackInfo
    from player.backend.errors import BackendError, BackendRefused, BackendUnreachable, BadAddress, BadResponse, SignInRequired


__getattr__ = lazy_exports(__name__, _EXPORTS)
